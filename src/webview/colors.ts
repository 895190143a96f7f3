// Frame colours from the active theme: the webview's --flame-* CSS variables (media/flame.css)
// resolve to VS Code's --vscode-charts-* colours, with fallbacks for the standalone page.
// Read again whenever the theme changes.
import type { PackageClass } from '../pprof/units';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export interface Palette {
  pkg: Record<PackageClass, Rgb>;
  other: Rgb;
  background: Rgb;
  foreground: string;
  /** Text on frames: chosen per frame from these two by contrast. */
  darkText: string;
  lightText: string;
  focus: string;
  /** High-contrast themes: frames get a border in this colour. */
  border: string | undefined;
  grow: Rgb;
  shrink: Rgb;
  growCb: Rgb;
  shrinkCb: Rgb;
  font: string;
  isHighContrast: boolean;
}

let probe: CanvasRenderingContext2D | null = null;

/** Parses any CSS colour through a canvas (it normalizes to #rrggbb or rgba(...)). */
export function parseColor(css: string, fallback: Rgb): Rgb {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe || !css.trim()) return fallback;
  probe.fillStyle = '#000001';
  probe.fillStyle = css.trim();
  const v = String(probe.fillStyle);
  if (v === '#000001') return fallback;
  if (v.startsWith('#') && v.length === 7) {
    return { r: parseInt(v.slice(1, 3), 16), g: parseInt(v.slice(3, 5), 16), b: parseInt(v.slice(5, 7), 16) };
  }
  const m = /rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/.exec(v);
  return m ? { r: Number(m[1]), g: Number(m[2]), b: Number(m[3]) } : fallback;
}

export function toCss(c: Rgb, alpha = 1): string {
  return alpha >= 1 ? `rgb(${Math.round(c.r)},${Math.round(c.g)},${Math.round(c.b)})` : `rgba(${Math.round(c.r)},${Math.round(c.g)},${Math.round(c.b)},${alpha})`;
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t };
}

/** Relative luminance (WCAG). */
export function luminance(c: Rgb): number {
  const f = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}

export function readPalette(el: HTMLElement): Palette {
  const cs = getComputedStyle(el);
  const v = (name: string) => cs.getPropertyValue(name).trim();
  const c = (name: string, fb: Rgb) => parseColor(v(name), fb);
  const hc = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const border = v('--flame-border');
  return {
    pkg: {
      user: c('--flame-user', { r: 55, g: 148, b: 255 }),
      std: c('--flame-std', { r: 137, g: 209, b: 133 }),
      dep: c('--flame-dep', { r: 176, g: 128, b: 224 }),
      runtime: c('--flame-runtime', { r: 204, g: 167, b: 0 }),
    },
    other: c('--flame-other', { r: 128, g: 128, b: 128 }),
    background: c('--flame-background', { r: 30, g: 30, b: 30 }),
    foreground: v('--flame-foreground') || '#cccccc',
    darkText: '#1b1b1b',
    lightText: '#ffffff',
    focus: v('--flame-focus') || '#007fd4',
    border: hc && border ? border : undefined,
    grow: c('--flame-grow', { r: 241, g: 76, b: 76 }),
    shrink: c('--flame-shrink', { r: 137, g: 209, b: 133 }),
    growCb: c('--flame-grow-cb', { r: 230, g: 159, b: 0 }),
    shrinkCb: c('--flame-shrink-cb', { r: 0, g: 114, b: 178 }),
    font: v('--flame-font') || 'monospace',
    isHighContrast: hc,
  };
}

/** A small stable hash of a string, for varying the shade of frames of one package. */
export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** The text colour with the better contrast on a fill. */
export function textOn(p: Palette, fill: Rgb): string {
  return luminance(fill) > 0.4 ? p.darkText : p.lightText;
}

/** A theme variable (`--vscode-charts-blue`) as the page sees it, on the root or the body, else the fallback. */
export function themeVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** The theme's colours for the canvas charts of the GC tab and the heap watch. */
export interface ChartTheme {
  fg: string;
  muted: string;
  font: string;
  blue: string;
  green: string;
  orange: string;
  purple: string;
  red: string;
  yellow: string;
}

export function chartTheme(): ChartTheme {
  return {
    fg: themeVar('--vscode-editor-foreground', '#888'),
    muted: themeVar('--vscode-descriptionForeground', '#888'),
    font: themeVar('--vscode-font-family', 'sans-serif'),
    blue: themeVar('--vscode-charts-blue', '#3794ff'),
    green: themeVar('--vscode-charts-green', '#89d185'),
    orange: themeVar('--vscode-charts-orange', '#d18616'),
    purple: themeVar('--vscode-charts-purple', '#b180d7'),
    red: themeVar('--vscode-charts-red', '#f14c4c'),
    yellow: themeVar('--vscode-charts-yellow', '#cca700'),
  };
}
