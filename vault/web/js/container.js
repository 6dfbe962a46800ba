// The vault file without any key (docs/FORMAT.md sections 1-2): envelope checks, key slots,
// and every cap checked before any key derivation may run, so a forged file cannot make the
// page allocate gigabytes. Mirrors vault/format.py, outcome for outcome.
import { concat, equal, sha256, u16, u32, u64 } from "./bytes.js";
import { CorruptVault, LimitExceeded, Unsupported } from "./errors.js";

export const MAGIC = new Uint8Array([0x89, 0x52, 0x56, 0x41, 0x55, 0x4c, 0x54, 0x0a]);
export const MAX_FILE_SIZE = 16 * 1024 * 1024;
const FIXED = 37; // magic, version, flags, vault id, generation, slot count
const MIN_FILE_SIZE = FIXED + 36 + 16 + 32;
const MAX_SLOTS = 8;
export const CAPS = {
  memoryKib: 4 * 1024 * 1024, // 4 GiB
  timeCost: 256,
  parallelism: 16,
  workKibPasses: 64 * 1024 * 1024, // 64 GiB-passes, per slot and summed over slots
};

export function checkCaps({ timeCost: t, memoryKib: m, parallelism: p }) {
  if (!(1 <= p && p <= CAPS.parallelism)) {
    throw new LimitExceeded(`Argon2 parallelism ${p} is outside 1..${CAPS.parallelism}`);
  }
  if (!(1 <= t && t <= CAPS.timeCost)) {
    throw new LimitExceeded(`Argon2 time cost ${t} is outside 1..${CAPS.timeCost}`);
  }
  if (!(8 * p <= m && m <= CAPS.memoryKib)) {
    throw new LimitExceeded(`Argon2 memory ${m} KiB is outside ${8 * p}..${CAPS.memoryKib} KiB (4 GiB)`);
  }
  if (m * t > CAPS.workKibPasses) {
    throw new LimitExceeded(
      `Argon2 work of ${t} passes over ${Math.floor(m / 1024)} MiB is above the cap of ` +
        `${CAPS.workKibPasses / (1024 * 1024)} GiB-passes`,
    );
  }
}

function parseSlot(body, pos) {
  if (pos + 3 > body.length) throw new CorruptVault("vault file is truncated in a key slot");
  const type = body[pos];
  const length = u16(body, pos + 1);
  pos += 3;
  if (type === 2) {
    if (length !== 60 || pos + length > body.length) {
      throw new CorruptVault("recovery key slot has the wrong length");
    }
    const slot = { type, body: body.slice(pos, pos + length) };
    slot.nonce = slot.body.slice(0, 12);
    slot.wrapped = slot.body.slice(12);
    return [slot, pos + length];
  }
  if (type !== 1) throw new Unsupported(`key slot type ${type} is not supported by this rvault`);
  if (length !== 88 || pos + length > body.length) {
    throw new CorruptVault("passphrase key slot has the wrong length");
  }
  const b = body.slice(pos, pos + length);
  const kdf = { timeCost: u32(b, 16), memoryKib: u32(b, 20), parallelism: u32(b, 24) };
  checkCaps(kdf); // at parse time: no caller can reach a KDF with forged costs
  const slot = { type, body: b, salt: b.slice(0, 16), kdf, nonce: b.slice(28, 40) };
  slot.wrapped = b.slice(40);
  return [slot, pos + length];
}

// Parse and validate a vault file without any key; throws a VaultError subclass.
export async function parseContainer(data) {
  if (data.length > MAX_FILE_SIZE) {
    throw new LimitExceeded(`vault file is ${data.length} bytes, above the ${MAX_FILE_SIZE} cap`);
  }
  if (!equal(data.slice(0, 8), MAGIC)) {
    throw new CorruptVault("not an rvault vault file (wrong magic bytes)");
  }
  if (data.length < MIN_FILE_SIZE) {
    throw new CorruptVault(`vault file is truncated (${data.length} bytes)`);
  }
  const body = data.slice(0, data.length - 32);
  if (!equal(await sha256(body), data.slice(data.length - 32))) {
    throw new CorruptVault("vault file is damaged (checksum mismatch)");
  }
  const version = u16(body, 8);
  const flags = u16(body, 10);
  if (version !== 1) {
    throw new Unsupported(`vault format version ${version} is not supported (this rvault reads 1)`);
  }
  if (flags !== 0) {
    throw new Unsupported(`vault uses unknown feature flags 0x${flags.toString(16).padStart(4, "0")}`);
  }
  const count = body[36];
  if (count === 0) throw new CorruptVault("vault has no key slots");
  if (count > MAX_SLOTS) {
    throw new LimitExceeded(`vault declares ${count} key slots, above the cap of ${MAX_SLOTS}`);
  }
  let pos = FIXED;
  const slots = [];
  for (let i = 0; i < count; i++) {
    const [slot, next] = parseSlot(body, pos);
    slots.push(slot);
    pos = next;
  }
  // A wrong passphrase tries every slot, so their sum is capped too.
  const work = slots.filter((s) => s.type === 1).reduce((n, s) => n + s.kdf.memoryKib * s.kdf.timeCost, 0);
  if (work > CAPS.workKibPasses) {
    throw new LimitExceeded("the key slots together ask for more Argon2 work than the cap");
  }
  if (pos + 36 > body.length) throw new CorruptVault("vault file is truncated in the payload header");
  const payloadSalt = body.slice(pos, pos + 32);
  const ctLen = u32(body, pos + 32);
  pos += 36;
  if (ctLen < 16 || pos + ctLen !== body.length) {
    throw new CorruptVault("vault payload length does not match the file size");
  }
  return {
    version,
    vaultId: body.slice(12, 28),
    generation: u64(body, 28),
    slots,
    payloadSalt,
    header: body.slice(0, pos), // the associated data of the payload
    ciphertext: body.slice(pos),
  };
}

// Associated data of a slot's wrap: magic, version, vault id, slot type, slot parameters.
export function slotAad(container, slot) {
  const params = slot.type === 1 ? slot.body.slice(0, 40) : slot.nonce;
  return concat(MAGIC, new Uint8Array([0, 1]), container.vaultId, new Uint8Array([slot.type]), params);
}
