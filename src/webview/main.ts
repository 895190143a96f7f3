// Webview bundle (flame graph panel). Filled by the flame graph feature.
export {};
