declare const __GMI_VERSION__: string | undefined;

/** The extension's version, injected at build time from package.json. */
export const VERSION: string = typeof __GMI_VERSION__ === 'string' ? __GMI_VERSION__ : '0.0.0-dev';

export const EXTENSION_ID = 'go-memory-insight.go-memory-insight';
export const PRODUCT_NAME = 'Go Memory Insight';
