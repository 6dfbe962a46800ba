// RFC 4648 base32 (A-Z, 2-7), as TOTP seeds are written. Mirrors normalize_secret and
// secret_bytes in vault/otp/totp.py, messages included: pasted invisible characters, spaces,
// dashes, lower case and padding are forgiven; anything else is refused, never guessed.
import { stripSpace } from "./bytes.js";
import { InvalidData } from "./errors.js";

const RFC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
// What pasting from a web page brings along (vault/codes.py _INVISIBLE).
const INVISIBLE = /[\u00ad\u200b\u200c\u200d\u2060\ufeff]/gu;

export function normalizeSecret(text) {
  const secret = stripSpace(text.replace(INVISIBLE, "")).replaceAll("-", "").toUpperCase().replace(/=+$/, "");
  if (!secret) throw new InvalidData("the TOTP secret is empty");
  if ([...secret].some((ch) => !RFC.includes(ch))) {
    throw new InvalidData("the TOTP secret is not base32 (letters A-Z and digits 2-7)");
  }
  // Lengths 1, 3 and 6 (mod 8) are not whole bytes: a character was lost or added.
  if ([1, 3, 6].includes(secret.length % 8)) {
    throw new InvalidData(
      `the TOTP secret has ${secret.length} characters, which is not a whole number of ` +
        "bytes; a character is missing or extra",
    );
  }
  return secret;
}

export function b32decodeRfc(text) {
  const clean = normalizeSecret(text);
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    value = (value << 5) | RFC.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return new Uint8Array(out);
}
