// What a user typed as an http(s) address, checked the same way everywhere: a scheme added
// when none is given, only http and https. Pure.

/** The URL, or a message for the user (`empty` when nothing was typed). */
export function parseHttpUrl(input: string, empty: string): URL | string {
  let text = input.trim();
  if (!text) return empty;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `Not a valid URL: ${input}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Only http and https URLs are supported, not ${url.protocol}`;
  return url;
}
