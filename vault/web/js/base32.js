// Crockford base32 as the kit prints it (docs/FORMAT.md section 8, "Base32"): RFC 4648 bit
// order, Crockford's alphabet, no padding, and a forgiving reader (case, spaces, dashes,
// O for 0, I and L for 1, U for V). Spare bits of the last character must be zero, so each
// byte string has exactly one text.
import { InvalidData } from "./errors.js";
import { stripSpace } from "./bytes.js";

export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const VALUE = new Map([...ALPHABET].map((ch, i) => [ch, i]));
const CONFUSIONS = { O: "0", I: "1", L: "1", U: "V" };

export function b32encode(bytes) {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function normalizeB32(text) {
  return stripSpace(text)
    .replaceAll("-", "")
    .toUpperCase()
    .replace(/[OILU]/g, (ch) => CONFUSIONS[ch]);
}

export function b32decode(text) {
  const clean = normalizeB32(text);
  if ([...clean].some((ch) => !VALUE.has(ch)) || [1, 3, 6].includes(clean.length % 8)) {
    throw new InvalidData("not valid base32 text");
  }
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const ch of clean) {
    value = (value << 5) | VALUE.get(ch);
    bits += 5;
    if (bits >= 8) {
      out[at++] = (value >>> (bits - 8)) & 255;
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  if (value !== 0) {
    throw new InvalidData("not valid base32 text (stray bits in the last character)");
  }
  return out;
}
