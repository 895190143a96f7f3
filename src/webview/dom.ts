// Tiny DOM helpers. Text always goes in through textContent, never innerHTML: function and
// file names come from profiles and are shown literally.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function button(label: string, title: string, onClick: () => void, className = 'btn'): HTMLButtonElement {
  const b = el('button', className, label);
  b.type = 'button';
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

export function show(e: HTMLElement, visible: boolean): void {
  e.classList.toggle('hidden', !visible);
}

/** Places a floating element near a point, kept inside the window. */
export function placeNear(e: HTMLElement, x: number, y: number): void {
  const pad = 12;
  const r = e.getBoundingClientRect();
  let left = x + pad;
  let top = y + pad;
  if (left + r.width > window.innerWidth - 4) left = Math.max(4, x - pad - r.width);
  if (top + r.height > window.innerHeight - 4) top = Math.max(4, y - pad - r.height);
  e.style.left = `${Math.round(left)}px`;
  e.style.top = `${Math.round(top)}px`;
}
