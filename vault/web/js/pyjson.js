// JSON exactly as Python reads and writes the vault payload (vault/model.py): json.loads, and
// json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False). JSON.parse and
// JSON.stringify differ from these where a payload can tell: 3.0 and 3 are one number in
// JavaScript but a float and an int in Python (and print differently), keys sort by UTF-16
// units in JavaScript but by code points in Python, and Python refuses a byte order mark and
// integers above 4,300 digits. The payload check (payload.js) needs Python's view to give
// the CLI's outcome for every document, so it parses with this module.

// A JSON number written with a fraction or an exponent: a Python float.
export class PyFloat {
  constructor(value) {
    this.value = value;
  }
}

// Python's int() refuses longer digit strings (sys.int_info.default_max_str_digits).
const MAX_INT_DIGITS = 4300;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

// obj[key] = value, keeping "__proto__" an own key as JSON.parse does.
function setKey(obj, key, value) {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

// Parse text as Python's json.loads does; throws SyntaxError where it raises ValueError.
// Objects are plain objects (a "__proto__" key stays an own key), floats are PyFloat,
// integers beyond 2^53 are BigInt.
export function parsePy(text) {
  let at = 0;
  const fail = () => {
    throw new SyntaxError(`not valid JSON at ${at}`);
  };
  const skip = () => {
    for (let c = text.charCodeAt(at); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++at));
  };
  const token = (re) => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) fail();
    at = re.lastIndex;
    return m;
  };
  const string = () => {
    const raw = token(STRING)[0];
    return raw.includes("\\") ? JSON.parse(raw) : raw.slice(1, -1);
  };
  const value = () => {
    skip();
    const ch = text[at];
    if (ch === "{") {
      at++;
      const obj = {};
      skip();
      if (text[at] === "}") return at++, obj;
      for (;;) {
        skip();
        const key = string();
        skip();
        if (text[at++] !== ":") fail();
        setKey(obj, key, value()); // later duplicates win, as in a Python dict
        skip();
        const next = text[at++];
        if (next === "}") return obj;
        if (next !== ",") fail();
      }
    }
    if (ch === "[") {
      at++;
      const list = [];
      skip();
      if (text[at] === "]") return at++, list;
      for (;;) {
        list.push(value());
        skip();
        const next = text[at++];
        if (next === "]") return list;
        if (next !== ",") fail();
      }
    }
    if (ch === '"') return string();
    if (text.startsWith("true", at)) return (at += 4), true;
    if (text.startsWith("false", at)) return (at += 5), false;
    if (text.startsWith("null", at)) return (at += 4), null;
    const m = token(NUMBER);
    if (m[1] !== undefined || m[2] !== undefined) return new PyFloat(Number(m[0]));
    if (m[0].replace("-", "").length > MAX_INT_DIGITS) fail();
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  };
  let result;
  try {
    result = value();
  } catch (err) {
    // Nesting too deep for the stack is refused as unreadable, never a crash of the page.
    if (err instanceof RangeError) fail();
    throw err;
  }
  skip();
  if (at !== text.length) fail();
  return result;
}

// Python's repr() of a float, which json.dumps writes: the shortest digits that round-trip
// (as JavaScript's), in Python's layout ("1e+16", "1e-05", "100.0").
export function floatRepr(x) {
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (Number.isNaN(x)) return "NaN";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, e] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(e);
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  return `${sign}${whole}.${digits.slice(exp + 1) || "0"}`;
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
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitRank(x) - unitRank(y);
  }
  return a.length - b.length;
}

const NAMED = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

function dumpString(s) {
  const body = s.replace(/["\\\u0000-\u001f]/g, (ch) => NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${body}"`;
}

// json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) of a parsePy
// tree. A lone surrogate is written as itself, which no UTF-8 text can hold: a document
// carrying one is never canonical.
export function dumpsPy(value) {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return dumpString(value);
  if (Array.isArray(value)) return `[${value.map(dumpsPy).join(",")}]`;
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((k) => `${dumpString(k)}:${dumpsPy(value[k])}`).join(",")}}`;
}

// Python's type(value).__name__ for a parsePy value.
export function pyType(value) {
  if (value === null) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number" || typeof value === "bigint") return "int";
  if (value instanceof PyFloat) return "float";
  if (typeof value === "string") return "str";
  return Array.isArray(value) ? "list" : "dict";
}

// Python's str.isprintable() is false for these (every category C and Z but the space).
const UNPRINTABLE = /[\p{C}\p{Z}]/u;

// Python's repr() of a parsePy value, as its error messages quote one.
export function pyRepr(value) {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.keys(value).map((k) => `${pyRepr(k)}: ${pyRepr(value[k])}`).join(", ")}}`;
  }
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of value) {
    const cp = ch.codePointAt(0);
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === " " || !UNPRINTABLE.test(ch)) out += ch;
    else if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return quote + out + quote;
}
