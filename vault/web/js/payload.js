// The decrypted payload (docs/FORMAT.md sections 4-5): a zlib stream, inflated with a 64 MiB
// cap, holding canonical UTF-8 JSON. Everything Python's Vault.from_bytes refuses as corrupt
// is refused here too, so the page and the CLI agree on every vector.
import { CorruptVault, LimitExceeded, Unsupported } from "./errors.js";

export const MAX_PLAINTEXT = 64 * 1024 * 1024;

async function inflateAll(compressed) {
  const stream = new Blob([compressed]).stream().pipeThrough(new DecompressionStream("deflate"));
  const reader = stream.getReader();
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_PLAINTEXT) {
        await reader.cancel();
        throw new LimitExceeded(`vault payload expands beyond ${MAX_PLAINTEXT} bytes`);
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof LimitExceeded) throw err;
    return { failure: String(err && err.message) }; // not a complete, valid zlib stream
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { plaintext: out };
}

// Python tells a stream cut short or followed by junk (zlib's eof and unused_data) from
// damaged data (zlib.error). DecompressionStream only says "failed"; its message is the one
// clue, worded by each engine (Node: "unexpected end of file"; Chromium: "truncated",
// "Junk found after end"). Unrecognised wording gets the damaged-data message: the class,
// CorruptVault, is the same either way.
const CUT_OR_PADDED = /unexpected end|truncat|junk|trailing|end of (the )?(file|input|stream)/i;

// Inflate, refusing a stream that is damaged, truncated or followed by extra bytes.
export async function inflate(compressed) {
  const { plaintext, failure } = await inflateAll(compressed);
  if (compressed.length === 0 || (failure !== undefined && CUT_OR_PADDED.test(failure))) {
    throw new CorruptVault("vault payload has a truncated or padded zlib stream");
  }
  if (failure !== undefined) throw new CorruptVault("vault payload is not valid zlib data");
  // Browsers refuse bytes after the end of the stream; Node's DecompressionStream ignores
  // them. Without one byte, a stream with nothing after it is cut short and must fail: if
  // it still inflates, bytes followed the stream.
  if ((await inflateAll(compressed.slice(0, -1))).plaintext !== undefined) {
    throw new CorruptVault("vault payload has a truncated or padded zlib stream");
  }
  return plaintext;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

export function canonicalJson(doc) {
  return JSON.stringify(sortKeys(doc));
}

const ENTRY_V1 = ["id", "name", "kind", "secret", "codes", "tags", "created", "updated"];
const TEXT_FIELDS = ["account", "issuer", "url", "notes"];
const KINDS = ["backup-codes", "recovery-key", "totp", "note"];
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const ID = /^[0-9a-f]{32}$/;
const CONTROL = /\p{C}/u;

function sameKeys(obj, keys) {
  const have = Object.keys(obj).sort();
  const want = [...keys].sort();
  return have.length === want.length && have.every((k, i) => k === want[i]);
}

function isText(v) {
  return typeof v === "string";
}

// The name key: casefold(NFC(name)); upper- then lower-casing gives Unicode full case
// folding for all but a handful of characters (docs/WEB.md says which).
export function nameKey(name) {
  return name.trim().normalize("NFC").toUpperCase().toLowerCase();
}

function checkEntry(e, version) {
  if (e === null || typeof e !== "object" || Array.isArray(e)) return "not an object";
  const keys = version >= 2 ? [...ENTRY_V1, ...TEXT_FIELDS, "otp"] : [...ENTRY_V1, ...TEXT_FIELDS];
  if (!sameKeys(e, keys)) return "unexpected or missing keys";
  if (!Array.isArray(e.codes) || !Array.isArray(e.tags)) return "codes and tags are lists";
  for (const c of e.codes) {
    if (c === null || typeof c !== "object" || !sameKeys(c, ["code", "used", "used_at"])) {
      return "unexpected or missing keys";
    }
    if (!isText(c.code) || typeof c.used !== "boolean") return "malformed code";
    if (c.used_at !== null && !(isText(c.used_at) && TIME.test(c.used_at))) return "bad time";
    if (c.used !== (c.used_at !== null)) return "a code's used flag and used_at disagree";
  }
  if ((e.otp === null || e.otp === undefined) !== (e.kind !== "totp" || version < 2)) {
    return "totp entries, and only they, have otp settings";
  }
  if (!isText(e.name) || e.name.trim() !== e.name || e.name.length === 0) return "bad name";
  if ([...e.name].length > 100 || CONTROL.test(e.name)) return "bad name";
  if (!KINDS.includes(e.kind)) return "unknown kind";
  if ((e.kind === "backup-codes") !== e.codes.length > 0) {
    return "backup-codes entries, and only they, have codes";
  }
  if (!isText(e.secret) || (e.kind !== "backup-codes" && !e.secret)) return "empty secret";
  if (!isText(e.id) || !ID.test(e.id)) return "id is not 32 hex digits";
  if (!e.tags.every(isText)) return "tags are text";
  if (![e.created, e.updated].every((t) => isText(t) && TIME.test(t))) return "bad time";
  if (!TEXT_FIELDS.every((k) => e[k] === null || isText(e[k]))) return "fields are text";
  if (e.otp) {
    const o = e.otp;
    if (typeof o !== "object" || !sameKeys(o, ["algorithm", "digits", "period"])) return "bad otp";
    if (!["SHA1", "SHA256", "SHA512"].includes(o.algorithm)) return "bad otp";
    if (![6, 8].includes(o.digits) || !Number.isInteger(o.period) || o.period < 1 || o.period > 3600) {
      return "bad otp";
    }
  }
  return null;
}

// The payload document from the inflated plaintext, as Python's Vault.from_bytes reads it.
// A version 1 document's totp entries get the settings every app assumes.
export function readDocument(plaintext) {
  let text;
  let doc;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
    doc = JSON.parse(text);
  } catch {
    throw new CorruptVault("vault payload is not valid JSON");
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc) || !sameKeys(doc, ["version", "entries", "meta"])) {
    throw new CorruptVault("vault payload has an unknown layout");
  }
  if (!Number.isInteger(doc.version) || ![1, 2].includes(doc.version)) {
    throw new Unsupported(`vault payload version ${JSON.stringify(doc.version)} is not supported`);
  }
  if (!Array.isArray(doc.entries) || doc.meta === null || typeof doc.meta !== "object" || Array.isArray(doc.meta)) {
    throw new CorruptVault("vault payload has an unknown layout");
  }
  for (const e of doc.entries) {
    const problem = checkEntry(e, doc.version);
    if (problem) throw new CorruptVault(`vault payload has a malformed entry (${problem})`);
  }
  if (new Set(doc.entries.map((e) => nameKey(e.name))).size !== doc.entries.length) {
    throw new CorruptVault("vault payload has two entries with the same name");
  }
  if (canonicalJson(doc) !== text) throw new CorruptVault("vault payload is not in canonical form");
  if (doc.version === 1) {
    for (const e of doc.entries) e.otp = e.kind === "totp" ? { algorithm: "SHA1", digits: 6, period: 30 } : null;
    doc.version = 2;
  }
  return doc;
}
