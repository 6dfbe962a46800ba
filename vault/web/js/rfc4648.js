// RFC 4648 base32 (A-Z, 2-7), as TOTP seeds are written: spaces, dashes, lower case and
// padding forgiven, as rvault's normalize_secret does.
import { stripSpace } from "./bytes.js";

const RFC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function b32decodeRfc(text) {
  const clean = stripSpace(text).replaceAll("-", "").toUpperCase().replace(/=+$/, "");
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const v = RFC.indexOf(ch);
    if (v < 0) throw new Error("the TOTP secret is not base32");
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return new Uint8Array(out);
}
