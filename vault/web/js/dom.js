// What every view of the page shares: finding and building elements, switching between the
// views of page.html, and the QR reader (one worker for the whole page, started on first use).
import { PhotoReader } from './reader.js';

export const $ = (id) => document.getElementById(id);
const VIEWS = ['open-view', 'restore-view', 'recover-view', 'vault-view'];
export const MAX_PHOTO = 64 * 1024 * 1024; // as the CLI's image cap: a phone photo is a few MB

/** Build an element: h('p', {class: 'x'}, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) el.append(c);
  return el;
}

export function showView(id) {
  for (const v of VIEWS) $(v).hidden = v !== id;
  document.body.dataset.view = id;
}

/** Let the browser paint (the message, the moving bar) before a long synchronous step. */
export function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

export function base64ToBytes(text) {
  const bin = atob(text.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let reader = null;

/** The page's QR reader: its worker script and wasm are in page.html, so nothing is fetched. */
export function photoReader() {
  if (!reader) reader = new PhotoReader($('qr-worker').textContent, base64ToBytes($('qr-wasm').textContent));
  return reader;
}
