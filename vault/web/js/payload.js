// The decrypted payload (docs/FORMAT.md sections 4-5): a zlib stream, inflated with a 64 MiB
// cap, holding canonical UTF-8 JSON. Vault.from_bytes and Entry.from_json (vault/model.py,
// vault/entry.py) are followed check for check, in their order and their words, so the page
// and the CLI give the same outcome and message for any document, not just the vectors.
import { SPACE } from "./bytes.js";
import { CorruptVault, InvalidData, LimitExceeded, Unsupported } from "./errors.js";
import { PyFloat, dumpsPy, parsePy, pyRepr, pyType } from "./pyjson.js";

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

const ENTRY_V1 = ["id", "name", "kind", "secret", "codes", "tags", "created", "updated"];
const TEXT_FIELDS = ["account", "issuer", "url", "notes"];
const ENTRY_V2 = [...ENTRY_V1, ...TEXT_FIELDS, "otp"];
const CODE_KEYS = ["code", "used", "used_at"];
const OTP_KEYS = ["algorithm", "digits", "period"];
const KINDS = ["backup-codes", "recovery-key", "totp", "note"];
const ALGORITHMS = ["SHA1", "SHA256", "SHA512"];
const MAX_NAME_LEN = 100;
const MAX_PERIOD = 3600;
// Python's \d in a str pattern is any decimal digit (category Nd), not only 0-9.
const STAMP = /^\p{Nd}{4}-\p{Nd}{2}-\p{Nd}{2}T\p{Nd}{2}:\p{Nd}{2}:\p{Nd}{2}Z$/u;
const ID = /^[0-9a-f]{32}$/;
const CONTROL = /\p{C}/u;
const EDGE_SPACE = new RegExp(`^(?:${SPACE.source})+|(?:${SPACE.source})+$`, "gu");

// A Python TypeError inside Entry.from_json: its text ends up in the CorruptVault message.
class Malformed extends Error {}

// Python's iter(): a dict gives its keys, a str its characters.
function pyIter(v) {
  if (typeof v === "string") return [...v];
  if (Array.isArray(v)) return v;
  if (v !== null && typeof v === "object" && !(v instanceof PyFloat)) return Object.keys(v);
  throw new Malformed(`'${pyType(v)}' object is not iterable`);
}

// Whether set(v) == set(keys), raising as set() does for unhashable items.
function sameSet(v, keys) {
  const seen = new Set();
  for (const item of pyIter(v)) {
    if (item !== null && typeof item === "object" && !(item instanceof PyFloat)) {
      throw new Malformed(`unhashable type: '${pyType(item)}'`);
    }
    seen.add(typeof item === "string" ? `s${item}` : `o${pyRepr(item)}`);
  }
  return seen.size === keys.length && keys.every((k) => seen.has(`s${k}`));
}

// v[key] for a dict; a list or str indexed by a key fails as in Python.
function item(v, key) {
  if (Array.isArray(v)) throw new Malformed("list indices must be integers or slices, not str");
  if (typeof v === "string") throw new Malformed("string indices must be integers, not 'str'");
  return v[key];
}

function truthy(v) {
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

function str(v) {
  if (typeof v !== "string") throw new Malformed(`expected text, got ${pyType(v)}`);
  return v;
}

function time(v) {
  if (!STAMP.test(str(v))) throw new Malformed(`not a UTC timestamp: ${pyRepr(v)}`);
  return v;
}

function bool(v) {
  if (typeof v !== "boolean") throw new Malformed(`expected true/false, got ${pyType(v)}`);
  return v;
}

// vault/entry.py check_name: the stripped name, or InvalidData saying what is wrong.
function checkName(name) {
  const stripped = name.replace(EDGE_SPACE, "");
  if (!stripped) throw new InvalidData("entry name is empty");
  if ([...stripped].length > MAX_NAME_LEN) {
    throw new InvalidData(`entry name is longer than ${MAX_NAME_LEN} characters`);
  }
  if (CONTROL.test(stripped)) throw new InvalidData("entry name contains control characters");
  return stripped;
}

// vault/otp/totp.py _shown: a setting as a message quotes it, kept short.
function shown(v) {
  if (typeof v === "bigint" && (v < 0n ? -v : v) >= 10n ** 24n) {
    const bits = (v < 0n ? -v : v).toString(2).length;
    return `~${v < 0n ? "-" : ""}10^${Math.floor(bits * 0.30103)}`;
  }
  if (v === null || (typeof v === "object" && !(v instanceof PyFloat))) return `a JSON ${pyType(v)}`;
  const text = pyRepr(v);
  const chars = [...text];
  return chars.length <= 24 ? text : `${chars.slice(0, 20).join("")}... (${chars.length} characters)`;
}

const isInt = (v) => (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";

// OtpSettings.from_json and its __post_init__.
function otpSettings(o) {
  if (o === null || typeof o !== "object" || Array.isArray(o) || o instanceof PyFloat || !sameSet(o, OTP_KEYS)) {
    throw new Malformed("otp is not an object with algorithm, digits and period");
  }
  const { algorithm, digits, period } = o;
  if (!ALGORITHMS.includes(algorithm)) {
    throw new InvalidData(`TOTP algorithm ${shown(algorithm)} is not supported; use SHA1, SHA256 or SHA512`);
  }
  if (!isInt(digits) || (digits !== 6 && digits !== 8)) {
    throw new InvalidData(`TOTP codes of ${shown(digits)} digits are not supported`);
  }
  if (!isInt(period) || period < 1 || period > MAX_PERIOD) {
    throw new InvalidData(`a TOTP period of ${shown(period)} seconds is not supported (1 to ${MAX_PERIOD})`);
  }
  return { algorithm, digits, period };
}

// Entry.from_json: the entry as the library holds it (its to_json form), or a Malformed /
// InvalidData naming the first problem in the order Python finds them.
function readEntry(data, version) {
  const keys = version >= 2 ? ENTRY_V2 : [...ENTRY_V1, ...TEXT_FIELDS];
  if (!sameSet(data, keys) || pyIter(item(data, "codes")).some((c) => !sameSet(c, CODE_KEYS))) {
    throw new Malformed("unexpected or missing keys");
  }
  if (Array.isArray(data)) throw new Malformed("'list' object has no attribute 'get'");
  const otp = data.otp ?? null;
  if ((otp === null) !== (data.kind !== "totp" || version < 2)) {
    throw new Malformed("totp entries, and only they, have otp settings");
  }
  if (checkName(str(data.name)) !== data.name) throw new Malformed("the name has surrounding white space");
  const codes = pyIter(data.codes).map((c) => ({
    code: str(item(c, "code")),
    used: bool(item(c, "used")),
    used_at: item(c, "used_at") === null ? null : time(item(c, "used_at")),
  }));
  if (codes.some((c) => c.used !== (c.used_at !== null))) {
    throw new Malformed("a code's used flag and used_at disagree");
  }
  if ((data.kind === "backup-codes") !== codes.length > 0) {
    throw new Malformed("backup-codes entries, and only they, have codes");
  }
  if (data.kind !== "backup-codes" && !truthy(data.secret)) throw new Malformed("the entry's secret is empty");
  if (!ID.test(str(data.id))) throw new Malformed("id is not 32 hex digits");
  const tags = pyIter(data.tags).map(str);
  // The constructor's arguments, in the order Python evaluates them, then __post_init__.
  const entry = { name: str(data.name), kind: str(data.kind), secret: str(data.secret), codes, tags };
  Object.assign(entry, { id: str(data.id), created: time(data.created), updated: time(data.updated) });
  entry.otp = otp === null ? null : otpSettings(otp);
  for (const k of TEXT_FIELDS) entry[k] = data[k] === null ? null : str(data[k]);
  checkName(entry.name);
  if (!KINDS.includes(entry.kind)) {
    throw new InvalidData(`unknown kind ${pyRepr(entry.kind)}; choose one of ${KINDS.join(", ")}`);
  }
  // A version 1 document's totp entries get the settings every app assumes.
  if (entry.kind === "totp" && entry.otp === null) entry.otp = { algorithm: "SHA1", digits: 6, period: 30 };
  return entry;
}

// vault/entry.py name_key: casefold(NFC(name)). Lower, upper, then lower case again puts
// together exactly the characters casefold does (checked over every code point against
// Python: docs/WEB.md), except the dotless i, which upper-casing would turn into I.
export function nameKey(name) {
  const fold = (s) => s.toLowerCase().toUpperCase().toLowerCase();
  return name.replace(EDGE_SPACE, "").normalize("NFC").split("\u0131").map(fold).join("\u0131");
}

// The payload document from the inflated plaintext, as Python's Vault.from_bytes reads it
// (a version 1 document comes back as version 2, as the library upgrades it in memory).
export function readDocument(plaintext) {
  let text;
  let doc;
  try {
    // ignoreBOM keeps a byte order mark in the text, where JSON (and Python) refuse it.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(plaintext);
    doc = parsePy(text);
  } catch {
    throw new CorruptVault("vault payload is not valid JSON");
  }
  const isDict = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat);
  if (!isDict(doc) || !sameSet(doc, ["version", "entries", "meta"])) {
    throw new CorruptVault("vault payload has an unknown layout");
  }
  const version = doc.version;
  if (!isInt(version) || (version !== 1 && version !== 2)) {
    throw new Unsupported(`vault payload version ${pyRepr(version)} is not supported`);
  }
  if (!Array.isArray(doc.entries) || !isDict(doc.meta)) {
    throw new CorruptVault("vault payload has an unknown layout");
  }
  const entries = doc.entries.map((e) => {
    try {
      return readEntry(e, version);
    } catch (err) {
      if (!(err instanceof Malformed || err instanceof InvalidData)) throw err;
      throw new CorruptVault(`vault payload has a malformed entry (${err.message})`);
    }
  });
  if (new Set(entries.map((e) => nameKey(e.name))).size !== entries.length) {
    throw new CorruptVault("vault payload has two entries with the same name");
  }
  // Canonical form: anything a reader would silently change (escapes, spacing, key order,
  // duplicate keys, 1.0 written as 1e0) is refused instead of being rewritten on next save.
  if (dumpsPy(doc) !== text) throw new CorruptVault("vault payload is not in canonical form");
  // meta as plain JSON values for the page (a float is a number there).
  return { version: 2, entries, meta: JSON.parse(text).meta };
}
