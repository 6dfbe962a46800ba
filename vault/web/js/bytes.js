// Small byte helpers shared by the modules (no dependencies, browser and Node alike).

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// Big-endian unsigned readers; u64 values above 2^53 would lose precision, but generations
// are counters that never get near that, and a forged one only mislabels a kit.
export function u16(b, at) {
  return (b[at] << 8) | b[at + 1];
}
export function u32(b, at) {
  return ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}
export function u64(b, at) {
  return u32(b, at) * 2 ** 32 + u32(b, at + 4);
}

export function ascii(text) {
  return new TextEncoder().encode(text);
}

export async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

// Python's str.isspace(): what a person or a scanner may put between characters.
export const SPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/gu;

export function stripSpace(text) {
  return text.replace(SPACE, "");
}

export function splitWords(text) {
  return text.split(SPACE).filter((w) => w.length > 0);
}
