// The decrypted payload (docs/FORMAT.md sections 4-5): a zlib stream, inflated with a 64 MiB
// cap, holding canonical UTF-8 JSON. What Python's Vault.from_bytes refuses is refused here
// too, with the same class. Where JSON.parse cannot see what Python sees (3.0 against 3,
// integers above 2^53), the page refuses documents that no rvault writes: docs/WEB.md has
// the list, and keeps the page small rather than carrying a Python-exact JSON reader.
import { SPACE } from "./bytes.js";
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

// Code point order (Python's), not UTF-16 unit order (JavaScript's default sort). The two
// differ only where a surrogate meets a unit from U+E000 to U+FFFF: moving the surrogates
// above that range makes the first differing unit decide as the code points would.
function unitRank(u) {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  return u >= 0xe000 ? u - 0x800 : u;
}

export function byCodePoint(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return unitRank(a.charCodeAt(i)) - unitRank(b.charCodeAt(i));
  }
  return a.length - b.length;
}

// A lone surrogate: JSON.stringify escapes it, Python writes it raw and then cannot encode
// the text as UTF-8. So a document holding one is never canonical.
const LONE_SURROGATE = /\p{Cs}/u;

function quote(text) {
  return LONE_SURROGATE.test(text) ? "\ud800" : JSON.stringify(text);
}

// json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False): JSON.stringify
// escapes as Python does; the key order ("__proto__" included) is done by hand.
export function canonicalJson(value) {
  if (typeof value === "string") return quote(value);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((k) => `${quote(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}

const ENTRY_V1 = ["id", "name", "kind", "secret", "codes", "tags", "created", "updated"];
const TEXT_FIELDS = ["account", "issuer", "url", "notes"];
const KINDS = ["backup-codes", "recovery-key", "totp", "note"];
// Python's \d in a str pattern is any decimal digit (category Nd), not only 0-9.
const TIME = /^\p{Nd}{4}-\p{Nd}{2}-\p{Nd}{2}T\p{Nd}{2}:\p{Nd}{2}:\p{Nd}{2}Z$/u;
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

// Python's str.strip(): its whitespace, not JavaScript's trim() (which strips U+FEFF).
const EDGE_SPACE = new RegExp(`^(?:${SPACE.source})+|(?:${SPACE.source})+$`, "gu");

// vault/entry.py name_key: casefold(NFC(name)). Lower, upper, then lower case again puts
// together exactly the characters casefold does (checked over every code point against
// Python), except the dotless i, which upper-casing would turn into I.
export function nameKey(name) {
  const fold = (s) => s.toLowerCase().toUpperCase().toLowerCase();
  return name.replace(EDGE_SPACE, "").normalize("NFC").split("\u0131").map(fold).join("\u0131");
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
    // ignoreBOM keeps a byte order mark in the text, where JSON (and Python) refuse it.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(plaintext);
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
  let canonical;
  try {
    canonical = canonicalJson(doc);
  } catch {
    // Nesting deeper than the stack: unreadable, and never a crash of the page.
    throw new CorruptVault("vault payload is not valid JSON");
  }
  if (canonical !== text) throw new CorruptVault("vault payload is not in canonical form");
  if (doc.version === 1) {
    for (const e of doc.entries) e.otp = e.kind === "totp" ? { algorithm: "SHA1", digits: 6, period: 30 } : null;
    doc.version = 2;
  }
  return doc;
}
