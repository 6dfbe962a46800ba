// Runs rvault's browser modules (vault/web/js) in Node for tests/test_web_js.py: reads a JSON
// array of requests on stdin, answers a JSON array of results on stdout. Many cases go in one
// process, because Node's start-up costs more than most cases.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

// Node 18 (Debian's nodejs) has WebCrypto only as node:crypto's webcrypto; 20 and later
// also as a global, like browsers.
if (!globalThis.crypto?.subtle) globalThis.crypto = (await import("node:crypto")).webcrypto;

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "vault", "web");
const require = createRequire(import.meta.url);
// The same vendored file the page embeds; its UMD wrapper exports through CommonJS here.
const hashwasm = require(join(root, "vendor", "hash-wasm", "argon2.umd.min.js"));
let argon2Calls = 0;
globalThis.hashwasm = {
  argon2id: (options) => {
    argon2Calls += 1;
    return hashwasm.argon2id(options);
  },
};

const js = (name) => import(join(root, "js", name));
const [{ openVault, unlockRecovery, openPayload }, erasure, frames, base32, { RestoreSession }, totp, container, printed, slip39, payload] =
  await Promise.all(
    ["open.js", "erasure.js", "frames.js", "base32.js", "restore.js", "totp.js", "container.js", "printed_key.js", "slip39.js", "payload.js"].map(js),
  );
// Counts PBKDF2 derivations, so a test can prove a forged share is refused before any.
let pbkdf2Calls = 0;
const deriveBits = crypto.subtle.deriveBits.bind(crypto.subtle);
crypto.subtle.deriveBits = (algorithm, ...rest) => {
  if (algorithm.name === "PBKDF2") pbkdf2Calls += 1;
  return deriveBits(algorithm, ...rest);
};

const b64 = (text) => new Uint8Array(Buffer.from(text, "base64"));
const to64 = (bytes) => Buffer.from(bytes).toString("base64");

function failure(err) {
  if (!err || !err.name || !["AuthenticationFailed", "InvalidData", "CorruptVault", "Unsupported", "LimitExceeded", "MissingInput"].includes(err.name)) {
    throw err; // a bug, not an outcome: the test must see it
  }
  return { error: err.name, message: err.message, hint: err.hint };
}

const ops = {
  async open({ vault, passphrase }) {
    argon2Calls = 0;
    try {
      const { doc } = await openVault(b64(vault), passphrase);
      return { doc, argon2Calls };
    } catch (err) {
      return { ...failure(err), argon2Calls };
    }
  },
  async open_recovery({ vault, key }) {
    try {
      const c = await container.parseContainer(b64(vault));
      return { doc: await openPayload(c, await unlockRecovery(c, b64(key))) };
    } catch (err) {
      return failure(err);
    }
  },
  // Node's own DecompressionStream, bare: the control showing it accepts bytes after the stream.
  async raw_inflate({ data }) {
    try {
      const stream = new Blob([b64(data)]).stream().pipeThrough(new DecompressionStream("deflate"));
      return { data: to64(new Uint8Array(await new Response(stream).arrayBuffer())) };
    } catch (err) {
      return { error: String(err) };
    }
  },
  // nameKey of each code point given.
  name_keys({ codePoints }) {
    return codePoints.map((cp) => payload.nameKey(String.fromCodePoint(cp)));
  },
  document({ data }) {
    try {
      return { doc: payload.readDocument(b64(data)) };
    } catch (err) {
      return failure(err);
    }
  },
  async inflate({ data }) {
    try {
      return { data: to64(await payload.inflate(b64(data))) };
    } catch (err) {
      return failure(err);
    }
  },
  decode({ k, n, blocks }) {
    return erasure.decodeBlocks(k, n, blocks.map(([j, b]) => [j, b64(b)])).map(to64);
  },
  encode({ k, n, blocks }) {
    return erasure.encodeBlocks(k, n, blocks.map(b64)).map(to64);
  },
  b32({ data }) {
    return base32.b32encode(b64(data));
  },
  unb32({ text }) {
    try {
      return { data: to64(base32.b32decode(text)) };
    } catch (err) {
      return failure(err);
    }
  },
  async frame({ text }) {
    try {
      const f = await frames.parseFrameText(text);
      return { index: f.index, n: f.n, k: f.k, length: f.length, generation: f.generation, kitId: Buffer.from(f.kitId).toString("hex"), block: to64(f.block) };
    } catch (err) {
      return failure(err);
    }
  },
  async lines({ frame, index }) {
    return frames.textLines(b64(frame), index);
  },
  async typed({ line }) {
    try {
      return { line: await frames.parseTypedLine(line) };
    } catch (err) {
      return failure(err);
    }
  },
  async restore({ texts = [], lines = [], typed = [], kitId = null }) {
    const s = new RestoreSession();
    for (const t of texts) await s.addText(t, "scan");
    if (lines.length) await s.addLines(lines, "typed.txt");
    const feedback = [];
    for (const line of typed) feedback.push(await s.addTypedLine(line));
    const out = { feedback, report: s.typedReport(), needed: s.linesNeeded() };
    try {
      out.data = to64(await s.finish(kitId));
      out.status = s.status(kitId);
      out.ignored = s.ignored(kitId);
    } catch (err) {
      Object.assign(out, failure(err));
    }
    return out;
  },
  async printed_key({ text }) {
    try {
      return { key: to64(await printed.parsePrintedKey(text)) };
    } catch (err) {
      return failure(err);
    }
  },
  async combine({ shares, passphrase = "" }) {
    pbkdf2Calls = 0;
    try {
      const key = await slip39.combineShares(shares.map((s) => s.split(" ")), new TextEncoder().encode(passphrase));
      return { key: to64(key), pbkdf2Calls };
    } catch (err) {
      return { ...failure(err), pbkdf2Calls };
    }
  },
  // recover.js: the page's forgotten-passphrase view, without its DOM.
  async split_share_text({ text }) {
    return (await js("recover.js")).splitShareText(text);
  },
  async share_set({ shares, passphrase = "" }) {
    const { ShareSet } = await js("recover.js");
    const set = new ShareSet();
    const said = [];
    for (const words of shares) {
      try {
        said.push({ message: set.add(words.split(" ")), missing: set.missing() });
      } catch (err) {
        said.push(failure(err));
      }
    }
    pbkdf2Calls = 0;
    try {
      return { said, key: to64(await set.key(passphrase)), pbkdf2Calls };
    } catch (err) {
      return { said, ...failure(err), pbkdf2Calls };
    }
  },
  async sort_sheet_codes({ texts }) {
    return (await js("recover.js")).sortSheetCodes(texts);
  },
  async key_help({ text }) {
    return (await js("recover.js")).keyHelp(text);
  },
  async retake({ texts }) {
    const s = new RestoreSession();
    for (const t of texts) await s.addText(t);
    try {
      await s.finish();
      return { advice: null };
    } catch (err) {
      return { advice: s.kits.size ? s.retakeAdvice() : null, ...failure(err) };
    }
  },
  async check_typed({ lines = [], texts = [], kitId = null, imagesRead = 0 }) {
    const { checkTyped } = await js("typed.js");
    const r = await checkTyped(lines, kitId, texts, imagesRead);
    return { ...r, bytes: r.bytes ? to64(r.bytes) : null };
  },
  async photo_note({ name, result }) {
    return (await js("typed.js")).photoNote(name, result);
  },
  async share_help({ text }) {
    return (await js("recover.js")).shareHelp(text);
  },
  async totp({ secret, settings, t }) {
    try {
      return { code: await totp.totp(secret, settings, t), left: totp.secondsLeft(settings.period, t) };
    } catch (err) {
      return failure(err);
    }
  },
};

const requests = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const { op, ...args } of requests) results.push(await ops[op](args));
process.stdout.write(JSON.stringify(results));
