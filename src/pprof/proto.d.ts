// .proto schemas are bundled as text by esbuild (loader '.proto': 'text' in scripts/build.mjs).
declare module '*.proto' {
  const text: string;
  export default text;
}
