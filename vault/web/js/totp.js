// TOTP codes (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, -SHA256 or -SHA512 through
// WebCrypto, 6 or 8 digits, any period. Mirrors vault/otp/totp.py.
import { InvalidData } from "./errors.js";
import { b32decodeRfc } from "./rfc4648.js";

const HASHES = { SHA1: "SHA-1", SHA256: "SHA-256", SHA512: "SHA-512" };

export async function hotp(keyBytes, counter, algorithm = "SHA1", digits = 6) {
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: HASHES[algorithm] }, false, ["sign"]);
  const msg = new Uint8Array(8);
  let c = BigInt(counter);
  for (let i = 7; i >= 0; i--) {
    msg[i] = Number(c & 0xffn);
    c >>= 8n;
  }
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, msg));
  const at = mac[mac.length - 1] & 0x0f;
  const value = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3];
  return String(value % 10 ** digits).padStart(digits, "0");
}

export async function totp(secret, { algorithm = "SHA1", digits = 6, period = 30 } = {}, unixSeconds) {
  const counter = Math.floor(unixSeconds / period);
  if (counter < 0) throw new InvalidData("cannot make a TOTP code for a time before 1970");
  return hotp(b32decodeRfc(secret), counter, algorithm, digits);
}

export function secondsLeft(period, unixSeconds) {
  return period - Math.floor(unixSeconds % period);
}
