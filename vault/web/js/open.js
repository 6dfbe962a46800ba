// Opening a vault in the browser (docs/FORMAT.md sections 2-4): Argon2id for the passphrase
// slots, HKDF-SHA256 for the recovery-key slot and the payload key, AES-256-GCM everywhere,
// all through WebCrypto. A wrong passphrase, a tampered slot and a tampered payload are the
// same opaque AuthenticationFailed, as in the CLI.
import { argon2id } from "./argon2.js";
import { ascii } from "./bytes.js";
import { parseContainer, slotAad } from "./container.js";
import { AuthenticationFailed, MissingInput } from "./errors.js";
import { inflate, readDocument } from "./payload.js";

const PAYLOAD_INFO = ascii("rvault/v1/payload");
const RECOVERY_INFO = ascii("rvault/v1/recovery-key");
const ZERO_NONCE = new Uint8Array(12);

async function hkdf(ikm, salt, info) {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, 256);
  return new Uint8Array(bits);
}

// null when the tag does not authenticate (the caller decides what that means).
async function openSealed(keyBytes, nonce, sealed, aad) {
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, sealed);
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

// The master key from the first passphrase slot the passphrase opens.
export async function unlockPassphrase(container, passphrase, { onSlot } = {}) {
  const secret = ascii(passphrase.normalize("NFC"));
  for (const slot of container.slots) {
    if (slot.type !== 1) continue;
    if (onSlot) onSlot(slot.kdf);
    const kek = await argon2id({
      password: secret,
      salt: slot.salt,
      iterations: slot.kdf.timeCost,
      memoryKib: slot.kdf.memoryKib,
      parallelism: slot.kdf.parallelism,
    });
    const key = await openSealed(kek, slot.nonce, slot.wrapped, slotAad(container, slot));
    if (key) return key;
  }
  throw new AuthenticationFailed("wrong passphrase (or the key slot was altered)");
}

// The master key from the recovery-key slot, with the 32-byte printed key.
export async function unlockRecovery(container, recoveryKey) {
  const kek = await hkdf(recoveryKey, container.vaultId, RECOVERY_INFO);
  for (const slot of container.slots) {
    if (slot.type !== 2) continue;
    const key = await openSealed(kek, slot.nonce, slot.wrapped, slotAad(container, slot));
    if (key) return key;
  }
  if (!container.slots.some((s) => s.type === 2)) {
    throw new MissingInput(
      "this vault copy has no recovery key",
      "it was never added or was removed, or this kit/copy is older than the key",
    );
  }
  throw new AuthenticationFailed(
    "wrong recovery key or shares (or the key slot was altered)",
    "check the key or the share words against the sheet; nothing was changed",
  );
}

// The payload document (the JSON the CLI's `show --json` is made from).
export async function openPayload(container, masterKey) {
  const key = await hkdf(masterKey, container.payloadSalt, PAYLOAD_INFO);
  const compressed = await openSealed(key, ZERO_NONCE, container.ciphertext, container.header);
  if (!compressed) throw new AuthenticationFailed(); // the library's words for any AEAD failure
  return readDocument(await inflate(compressed));
}

// Everything at once: parse (caps first), unlock, decrypt.
export async function openVault(bytes, passphrase, options = {}) {
  const container = await parseContainer(bytes);
  const masterKey = await unlockPassphrase(container, passphrase, options);
  return { container, doc: await openPayload(container, masterKey) };
}

// Everything at once with the recovery key (typed, or rebuilt from shares) instead.
export async function openVaultWithKey(bytes, recoveryKey) {
  const container = await parseContainer(bytes);
  const masterKey = await unlockRecovery(container, recoveryKey);
  return { container, doc: await openPayload(container, masterKey) };
}
