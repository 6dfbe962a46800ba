// Kit frames (docs/FORMAT.md section 8): the binary frame with its SHA-256 check, its text
// form "RVK1:" + Crockford base32, the typeable lines with their two check characters, and
// FrameSet, which keeps the frames of one kit and joins any k of them. Mirrors
// vault/paper/frames.py, messages included.
import { ALPHABET, b32decode, b32encode, normalizeB32 } from "./base32.js";
import { ascii, concat, equal, hex, sha256, splitWords, stripSpace, u32, u64 } from "./bytes.js";
import { decodeBlocks } from "./erasure.js";
import { InvalidData } from "./errors.js";

export const TAG = "RVK1:";
const HEAD = 40; // version, vault id, kit id, generation, index, n, k, length
const CHECK = 4;
export const OVERHEAD = HEAD + CHECK;
export const MAX_FRAMES = 255;
export const LINE_CHARS = 40; // eight groups of five: 25 bytes, each line decodes alone
export const MAX_LINES = 110; // a frame fits one QR code: at most 108 lines

export function shortId(id) {
  return hex(id.slice(0, 4)).toUpperCase();
}

// A frame from its binary form; InvalidData for anything damaged or inconsistent.
export async function parseFrame(data) {
  if (data.length < OVERHEAD + 1) throw new InvalidData("frame is too short");
  const body = data.slice(0, data.length - CHECK);
  const digest = await sha256(body);
  if (!equal(digest.slice(0, CHECK), data.slice(data.length - CHECK))) {
    throw new InvalidData("frame checksum mismatch (damaged or mistyped)");
  }
  if (body[0] !== 1) throw new InvalidData(`frame format version ${body[0]} is not supported`);
  const [index, n, k] = [body[33], body[34], body[35]];
  const length = u32(body, 36);
  const block = body.slice(HEAD);
  if (!(1 <= k && k < n && index < n)) throw new InvalidData("frame has inconsistent numbering");
  if (!(k * (block.length - 1) < length && length <= k * block.length)) {
    throw new InvalidData("frame block size does not fit the vault length");
  }
  const vaultId = body.slice(1, 17);
  const kitId = body.slice(17, 25);
  const generation = u64(body, 25);
  // What every frame of one kit shares, as one comparable string.
  const kitKey = [hex(vaultId), hex(kitId), generation, n, k, length].join(":");
  return { version: body[0], vaultId, kitId, generation, index, n, k, length, block, kitKey };
}

// A frame from its text form (TAG + base32), forgiving case, spaces and confusions.
export async function parseFrameText(text) {
  const clean = stripSpace(text);
  if (clean.slice(0, TAG.length).toUpperCase() !== TAG) {
    throw new InvalidData(`not an rvault kit code (it does not start with ${TAG})`);
  }
  return parseFrame(b32decode(clean.slice(TAG.length)));
}

// Frames of one kit, from any sources in any order; strays (same kit id, other shape) are
// kept apart by their whole kitKey and never mixed into a join (as FrameSet in Python).
export class FrameSet {
  constructor() {
    this.groups = new Map(); // kitKey -> Map(index -> frame)
  }

  add(frame) {
    if (this.groups.size) {
      const first = this.groups.values().next().value.values().next().value;
      if (hex(frame.kitId) !== hex(first.kitId)) {
        const same = hex(frame.vaultId) === hex(first.vaultId);
        throw new InvalidData(
          `a code from another kit ${same ? "of the same vault" : "of a different vault"} ` +
            `(kit ${shortId(frame.kitId)}) was found; it was not mixed in`,
          "restore from the pages of one kit at a time",
        );
      }
    }
    if (!this.groups.has(frame.kitKey)) this.groups.set(frame.kitKey, new Map());
    const held = this.groups.get(frame.kitKey);
    if (held.has(frame.index)) return false;
    held.set(frame.index, frame);
    return true;
  }

  // The kit: the group that can rebuild the vault, else the largest (first seen on a tie).
  get key() {
    let best = null;
    let score = null;
    for (const [key, held] of this.groups) {
      const k = held.values().next().value.k;
      const s = [held.size >= k ? 1 : 0, held.size];
      if (score === null || s[0] > score[0] || (s[0] === score[0] && s[1] > score[1])) {
        best = key;
        score = s;
      }
    }
    return best;
  }

  get frames() {
    const key = this.key;
    return key === null ? new Map() : this.groups.get(key);
  }

  get first() {
    return this.frames.values().next().value ?? null;
  }

  get strays() {
    const key = this.key;
    let count = 0;
    for (const [k, held] of this.groups) if (k !== key) count += held.size;
    return count;
  }

  get n() {
    return this.first ? this.first.n : 0;
  }

  get k() {
    return this.first ? this.first.k : 0;
  }

  complete() {
    return this.key !== null && this.frames.size >= this.k;
  }

  missing() {
    const out = [];
    for (let i = 0; i < this.n; i++) if (!this.frames.has(i)) out.push(i);
    return out;
  }

  // The original bytes from the k frames with the lowest indexes.
  join() {
    if (this.key === null) throw new InvalidData("no rvault kit codes were found");
    const { n, k } = this;
    if (!this.complete()) {
      const numbers = this.missing().map((i) => i + 1).join(", ");
      throw new InvalidData(
        `${this.frames.size} of ${n} codes read, ${k} needed: ` +
          `${k - this.frames.size} more of codes ${numbers}`,
      );
    }
    const chosen = [...this.frames.values()].sort((a, b) => a.index - b.index).slice(0, k);
    const data = decodeBlocks(k, n, chosen.map((f) => [f.index, f.block]));
    return concat(...data).slice(0, chosen[0].length);
  }
}

// --- typeable lines ---------------------------------------------------------------------

export async function lineCheck(codeNo, lineNo, chars) {
  const digest = await sha256(ascii(`${codeNo}:${lineNo}:${chars}`));
  const value = ((digest[0] << 8) | digest[1]) >> 6; // 10 bits: two characters
  return ALPHABET[value >> 5] + ALPHABET[value & 31];
}

// The frame as printed on the text pages: `CCC-LL  XXXXX ... (8 groups)  KK`.
export async function textLines(frameBytes, index) {
  const body = b32encode(frameBytes);
  const codeNo = index + 1;
  const lines = [];
  for (let start = 0, lineNo = 1; start < body.length; start += LINE_CHARS, lineNo++) {
    const chars = body.slice(start, start + LINE_CHARS);
    const shown = chars.padEnd(LINE_CHARS, ".");
    const groups = shown.match(/.{5}/g).join(" ");
    const label = `${String(codeNo).padStart(3, "0")}-${String(lineNo).padStart(2, "0")}`;
    lines.push(`${label}  ${groups}  ${await lineCheck(codeNo, lineNo, chars)}`);
  }
  return lines;
}

function labelNumber(word) {
  const digits = word.toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
  if (!/^[0-9]+$/.test(digits)) return null; // ASCII digits only, as the paper shows
  return digits.length <= 4 ? parseInt(digits, 10) : 10 ** 4;
}

const LABEL_SHAPE = /^\s*[0-9OIL]+\s*-\s*[0-9OIL]+\s/i;

// Parse `CCC-LL <chars> KK`, forgiving; null if the line is not one. InvalidData for a line
// in that shape whose numbers no kit can have (a typo to fix, refused before any work).
export async function parseTypedLine(line) {
  const words = splitWords(line.replaceAll("-", " "));
  if (words.length < 3) return null;
  const codeNo = labelNumber(words[0]);
  const lineNo = labelNumber(words[1]);
  if (codeNo === null || lineNo === null) return null;
  const rest = words
    .slice(2)
    .map((w) => w.replace(/[.\u00b7]/g, ""))
    .filter((w) => w);
  if (!(1 <= codeNo && codeNo <= MAX_FRAMES && 1 <= lineNo && lineNo <= MAX_LINES)) {
    if (!LABEL_SHAPE.test(line)) return null; // "12 2024 ..." is text, not a kit line
    throw new InvalidData(
      `${words[0].slice(0, 8)}-${words[1].slice(0, 8)} is not a line of a kit: codes are ` +
        `numbered 001 to ${MAX_FRAMES} and lines 01 to ${MAX_LINES}`,
      "check the code and line number at the start of the line",
    );
  }
  if (rest.length <= 1) {
    // Numbered, but the groups or the check are missing: a bad line.
    return { codeNo, lineNo, chars: normalizeB32(rest[0] ?? ""), ok: false };
  }
  const chars = normalizeB32(rest.slice(0, -1).join(""));
  const check = normalizeB32(rest[rest.length - 1]);
  const ok =
    chars.length > 0 &&
    chars.length <= LINE_CHARS &&
    check === (await lineCheck(codeNo, lineNo, chars));
  return { codeNo, lineNo, chars, ok };
}

// Frames whose lines are all present and correct, and for the other codes their bad lines.
export async function framesFromTyped(lines) {
  const byCode = new Map();
  const twice = new Map(); // code -> lines typed twice, differently (two kits mixed)
  for (const tl of lines) {
    if (!byCode.has(tl.codeNo)) byCode.set(tl.codeNo, new Map());
    const held = byCode.get(tl.codeNo);
    const old = held.get(tl.lineNo);
    if (old && old.ok && tl.ok && old.chars !== tl.chars) {
      if (!twice.has(tl.codeNo)) twice.set(tl.codeNo, new Set());
      twice.get(tl.codeNo).add(tl.lineNo);
    }
    // A correct retype replaces a bad line; a bad retype never replaces a good one.
    if (!held.has(tl.lineNo) || (tl.ok && !held.get(tl.lineNo).ok)) held.set(tl.lineNo, tl);
  }
  const frames = [];
  const problems = new Map();
  for (const codeNo of [...byCode.keys()].sort((a, b) => a - b)) {
    const held = byCode.get(codeNo);
    const last = Math.max(...held.keys());
    const bad = [...held.values()].filter((tl) => !tl.ok).map((tl) => tl.lineNo);
    const gaps = [];
    for (let i = 1; i <= last; i++) if (!held.has(i)) gaps.push(i);
    if (bad.length || gaps.length || twice.has(codeNo)) {
      problems.set(codeNo, [...new Set([...bad, ...gaps, ...(twice.get(codeNo) ?? [])])].sort((a, b) => a - b));
      continue;
    }
    let text = "";
    for (let i = 1; i <= last; i++) text += held.get(i).chars;
    let frame;
    try {
      frame = await parseFrame(b32decode(text));
    } catch (err) {
      if (!(err instanceof InvalidData)) throw err;
      problems.set(codeNo, [last + 1]); // lines are missing at the end
      continue;
    }
    if (frame.index + 1 !== codeNo) {
      problems.set(codeNo, [...held.keys()].sort((a, b) => a - b));
      continue;
    }
    frames.push(frame);
  }
  return { frames, problems };
}

// [n, k, lines per code] from the first two typed lines of any code, or null if unknown.
export function typedLayout(firstLines) {
  if (firstLines.length < 2 * LINE_CHARS) return null;
  let head;
  try {
    head = b32decode(firstLines.slice(0, 2 * LINE_CHARS));
  } catch (err) {
    if (err instanceof InvalidData) return null;
    throw err;
  }
  const [n, k, length] = [head[34], head[35], u32(head, 36)];
  if (!(1 <= k && k < n) || length === 0) return null;
  const frameBytes = OVERHEAD + Math.ceil(length / k);
  const chars = Math.ceil((frameBytes * 8) / 5);
  return [n, k, Math.ceil(chars / LINE_CHARS)];
}
