// Rebuilding a vault from paper in the browser: frames from scanned QR texts and typed lines,
// kept apart per kit and never mixed; the newest generation of one vault wins; kits of
// different vaults are never chosen between without a kit id. Mirrors
// vault/paper/restore.py, messages included, so the page says what the CLI says.
import { hex } from "./bytes.js";
import { parseContainer } from "./container.js";
import { CorruptVault, InvalidData } from "./errors.js";
import { FrameSet, TAG, framesFromTyped, parseFrameText, parseTypedLine, shortId, typedLayout } from "./frames.js";

const CODES_PER_PAGE = 6; // vault/paper/layout.py: 2 columns x 3 rows

export function codeSheet(index) {
  return Math.floor(index / CODES_PER_PAGE) + 1;
}

function describe(s) {
  return `kit ${shortId(s.kitId)} (generation ${s.generation}, ${s.read} of ${s.n} codes read, ${s.k} needed)`;
}

function linesText(codeNo, numbers) {
  const runs = [];
  for (const n of numbers) {
    const last = runs[runs.length - 1];
    if (last && n === last[last.length - 1] + 1) last.push(n);
    else runs.push([n]);
  }
  const label = (n) => `${String(codeNo).padStart(3, "0")}-${String(n).padStart(2, "0")}`;
  const parts = runs.map((r) => label(r[0]) + (r.length > 1 ? ` to ${label(r[r.length - 1])}` : ""));
  const plural = numbers.length > 1;
  return `line${plural ? "s" : ""} ${parts.join(", ")} ${plural ? "are" : "is"}`;
}

// Retake advice for one codes sheet holding codes `on`, some of them missing (restore.py's
// _sheet_advice): an edge column or row lost means the photo cut that side off.
function sheetAdvice(sheet, on, missing) {
  const lost = on.filter((i) => missing.has(i));
  if (lost.length === on.length) return `codes sheet ${sheet} was not read at all: photograph it whole`;
  const spot = new Map(on.map((i) => [i, [(i % CODES_PER_PAGE) % 2, Math.floor((i % CODES_PER_PAGE) / 2)]]));
  const edges = [[0, null, "left side"], [1, null, "right side"], [null, 0, "top"]];
  const bottom = Math.max(...[...spot.values()].map(([, r]) => r));
  if (bottom > 0) edges.push([null, bottom, "bottom"]);
  const cut = edges
    .filter(([col, row]) => {
      const line = on.filter((i) => (col === null || spot.get(i)[0] === col) && (row === null || spot.get(i)[1] === row));
      return line.length >= 2 && line.every((i) => missing.has(i));
    })
    .map(([, , name]) => name);
  if (cut.length) return `photograph codes sheet ${sheet} again, whole: its ${cut.join(" and ")} was cut off`;
  if (lost.length <= 2) {
    const codes = lost.map((i) => String(i + 1)).join(" and ");
    return `on codes sheet ${sheet}, code ${codes} did not read: if light shone on it, take another photo without flash, at a slight angle`;
  }
  return `photograph codes sheet ${sheet} again, closer and sharper`;
}

export class RestoreSession {
  constructor() {
    this.kits = new Map(); // kit id hex -> {frames: FrameSet, sources: Set}
    this.unreadable = 0;
    this.typed = [];
    this.typedProblems = new Map();
    this.rejectedLines = [];
  }

  // One decoded QR text or pasted frame; false if it was not a usable frame.
  async addText(text, source = "") {
    let frame;
    try {
      frame = await parseFrameText(text);
    } catch (err) {
      if (!(err instanceof InvalidData)) throw err;
      this.unreadable += 1;
      return false;
    }
    return this.addFrame(frame, source);
  }

  addFrame(frame, source = "") {
    const id = hex(frame.kitId);
    if (!this.kits.has(id)) this.kits.set(id, { frames: new FrameSet(), sources: new Set() });
    const seen = this.kits.get(id);
    if (source) seen.sources.add(source);
    return seen.frames.add(frame);
  }

  // Text lines: whole frames (a scanner app's output) or typed lines of the kit.
  async addLines(lines, source = "") {
    for (const line of lines) {
      const stripped = line.trim();
      if (!stripped) continue;
      if (stripped.toUpperCase().startsWith(TAG)) {
        await this.addText(stripped, source);
        continue;
      }
      let typed;
      try {
        typed = await parseTypedLine(stripped);
      } catch (err) {
        if (!(err instanceof InvalidData)) throw err;
        this.rejectedLines.push(err.message); // one bad line loses only itself
        continue;
      }
      if (typed !== null) this.typed.push(typed);
    }
    const { frames, problems } = await framesFromTyped(this.typed);
    this.typedProblems = problems;
    for (const frame of frames) this.addFrame(frame, source);
  }

  // One typed line, with immediate feedback for the typist.
  async addTypedLine(line) {
    const stripped = line.trim();
    if (stripped.toUpperCase().startsWith(TAG)) {
      return (await this.addText(stripped, "typed")) ? "whole code added" : "not a valid code";
    }
    let typed;
    try {
      typed = await parseTypedLine(stripped);
    } catch (err) {
      if (!(err instanceof InvalidData)) throw err;
      return err.message;
    }
    if (typed === null) return "not a kit line: type it as printed, starting with the code and line number";
    const label = `${String(typed.codeNo).padStart(3, "0")}-${String(typed.lineNo).padStart(2, "0")}`;
    if (!typed.ok) return `line ${label} does not match its check characters: retype it`;
    const before = this.completeCodes();
    await this.addLines([stripped], "typed");
    if (this.completeCodes() > before) return `line ${label} ok: code ${typed.codeNo} is complete`;
    return `line ${label} ok`;
  }

  goodLines() {
    const good = new Map();
    for (const tl of this.typed) {
      if (!tl.ok) continue;
      if (!good.has(tl.codeNo)) good.set(tl.codeNo, new Map());
      good.get(tl.codeNo).set(tl.lineNo, tl.chars);
    }
    return good;
  }

  typedLayout() {
    for (const lines of this.goodLines().values()) {
      if (lines.has(1) && lines.has(2)) {
        const layout = typedLayout(lines.get(1) + lines.get(2));
        if (layout) return layout;
      }
    }
    return null;
  }

  completeCodes() {
    let n = 0;
    for (const seen of this.kits.values()) n += seen.frames.frames.size;
    return n;
  }

  // One line per typed line to fix: which fail their check, which are missing.
  typedReport() {
    const layout = this.typedLayout();
    const perCode = layout ? layout[2] : null;
    const typed = new Map(this.typed.map((t) => [`${t.codeNo}:${t.lineNo}`, t]));
    const good = new Map();
    for (const t of this.typed) {
      if (!t.ok) continue;
      const key = `${t.codeNo}:${t.lineNo}`;
      if (!good.has(key)) good.set(key, new Set());
      good.get(key).add(t.chars);
    }
    const report = [...this.rejectedLines];
    for (const codeNo of [...this.typedProblems.keys()].sort((a, b) => a - b)) {
      const numbers = this.typedProblems.get(codeNo);
      let missing = [];
      for (const lineNo of numbers) {
        const held = typed.get(`${codeNo}:${lineNo}`);
        const label = `${String(codeNo).padStart(3, "0")}-${String(lineNo).padStart(2, "0")}`;
        if ((good.get(`${codeNo}:${lineNo}`)?.size ?? 0) > 1) {
          report.push(`line ${label} was typed twice, differently: are these lines of two kits? Type the lines of one kit only`);
        } else if (held && !held.ok) {
          report.push(`line ${label} does not match its check characters: retype it`);
        } else {
          missing.push(lineNo);
        }
      }
      const last = Math.max(...this.typed.filter((t) => t.codeNo === codeNo).map((t) => t.lineNo));
      if (perCode !== null && missing.length && missing[missing.length - 1] > last) {
        missing = missing.slice(0, -1);
        for (let n = last + 1; n <= perCode; n++) missing.push(n); // a short code's tail
      }
      if (missing.length) {
        report.push(`code ${codeNo}: ${linesText(codeNo, missing)} missing`);
      } else if (perCode !== null && last >= perCode && numbers.length === 1 && numbers[0] === last + 1) {
        report.push(
          `code ${codeNo}: every line checks but the code does not: a line may have the wrong code or line number`,
        );
      }
    }
    return report;
  }

  // Typed lines still needed to rebuild the vault, once the kit's layout is known.
  linesNeeded() {
    if (this.kits.size === 1 && this.kits.values().next().value.frames.complete()) return 0;
    const layout = this.typedLayout();
    if (layout === null) return null;
    const [, k, perCode] = layout;
    const done = new Set();
    for (const seen of this.kits.values()) for (const f of seen.frames.frames.values()) done.add(f.index + 1);
    const partial = [...this.goodLines()]
      .filter(([code]) => !done.has(code))
      .map(([, lines]) => lines.size)
      .sort((a, b) => b - a);
    const still = Math.max(0, k - done.size);
    const fromPartial = partial.slice(0, still).reduce((n, held) => n + (perCode - held), 0);
    return fromPartial + perCode * Math.max(0, still - partial.length);
  }

  summaries() {
    return [...this.kits.values()].map(({ frames }) => {
      const f = frames.first;
      return {
        vaultId: f.vaultId,
        kitId: f.kitId,
        generation: f.generation,
        read: frames.frames.size,
        n: f.n,
        k: f.k,
        strays: frames.strays,
        complete: frames.frames.size >= f.k,
      };
    });
  }

  // The kit to restore: the one kitId names, else the newest generation of one vault.
  kit(kitId = null) {
    if (!this.kits.size) {
      throw new InvalidData(
        "no rvault kit codes were found in the input",
        "too dark or blurred? photograph each codes sheet again in good light, flat and filling most of the picture",
      );
    }
    if (kitId !== null) {
      const wanted = kitId.trim().toUpperCase();
      const matches = [...this.kits].filter(([id]) => wanted && id.toUpperCase().startsWith(wanted));
      if (matches.length > 1) throw new InvalidData(`kit ${kitId} matches several kits; give more of its id`);
      if (!matches.length) throw new InvalidData(`no codes of kit ${kitId} were found`);
      return matches[0][1];
    }
    const found = this.summaries();
    const vaults = new Set(found.map((s) => hex(s.vaultId)));
    if (vaults.size > 1) {
      const listed = found.map((s) => `vault ${shortId(s.vaultId)}: ${describe(s)}`).join("; ");
      throw new InvalidData(
        `codes of ${vaults.size} different vaults were found and not mixed: ${listed}`,
        "restore one vault at a time, or choose a kit",
      );
    }
    const newest = Math.max(...found.map((s) => s.generation));
    const top = found.filter((s) => s.generation === newest);
    if (top.length > 1) {
      throw new InvalidData(
        `${top.length} kits of the same generation ${newest} were found and not mixed: ${top.map(describe).join("; ")}`,
        "choose one kit",
      );
    }
    return this.kits.get(hex(top[0].kitId));
  }

  ready(kitId = null) {
    try {
      return this.kit(kitId).frames.complete();
    } catch (err) {
      if (err instanceof InvalidData) return false;
      throw err;
    }
  }

  // Lines naming what the restore leaves out: the other kits, and stray codes.
  ignored(kitId = null) {
    const chosen = this.kit(kitId).frames.first;
    const lines = [];
    for (const other of this.summaries()) {
      if (hex(other.kitId) === hex(chosen.kitId)) continue;
      let why;
      if (hex(other.vaultId) !== hex(chosen.vaultId)) why = `a kit of another vault (${shortId(other.vaultId)})`;
      else if (other.generation < chosen.generation) why = "an older kit of the same vault";
      else if (other.generation > chosen.generation) why = "a newer kit of the same vault";
      else why = "another kit of the same generation";
      lines.push(`Ignored ${describe(other)}: ${why}${kitId !== null ? ", not the one chosen" : ""}.`);
    }
    const strays = this.kit(kitId).frames.strays;
    if (strays) {
      const one = strays === 1;
      lines.push(
        `${strays} code${one ? "" : "s"} with kit ${shortId(chosen.kitId)} did not match the rest of ` +
          `${one ? "its" : "their"} kit and ${one ? "was" : "were"} ignored.`,
      );
    }
    return lines;
  }

  // '13 of 16 codes read, 12 needed'.
  status(kitId = null) {
    const fs = this.kit(kitId).frames;
    const counts = `${fs.frames.size} of ${fs.n} codes read, ${fs.k} needed`;
    if (this.kits.size === 1) return counts;
    const f = fs.first;
    return `kit ${shortId(f.kitId)} (generation ${f.generation}): ${counts}`;
  }

  // Which codes are still needed and where they were printed.
  missingText(kitId = null) {
    const fs = this.kit(kitId).frames;
    const bySheet = new Map();
    for (const i of fs.missing()) {
      const s = codeSheet(i);
      if (!bySheet.has(s)) bySheet.set(s, []);
      bySheet.get(s).push(String(i + 1));
    }
    const where = [...bySheet]
      .sort((a, b) => a[0] - b[0])
      .map(([s, c]) => `codes sheet ${s}: ${c.join(", ")}`)
      .join("; ");
    return `${fs.k - fs.frames.size} more needed from the missing codes (${where})`;
  }

  // The rebuilt vault file, checked to be a well-formed vault of the kit's vault.
  async finish(kitId = null) {
    const seen = this.kit(kitId);
    const fs = seen.frames;
    if (!fs.complete()) this.refuseIncomplete(seen, kitId);
    const data = fs.join();
    const container = await parseContainer(data); // structure and checksum, no key needed
    const f = fs.first;
    if (hex(container.vaultId) !== hex(f.vaultId) || container.generation !== f.generation) {
      throw new CorruptVault("the rebuilt file does not match the kit's vault id and generation");
    }
    return data;
  }

  // What to photograph again, as far as where the missing codes sit tells (restore.py).
  retakeAdvice(kitId = null) {
    const fs = this.kit(kitId).frames;
    const missing = new Set(fs.missing());
    const sheets = [...new Set([...missing].map(codeSheet))].sort((a, b) => a - b);
    const all = [...Array(fs.n).keys()];
    return sheets.map((s) => sheetAdvice(s, all.filter((i) => codeSheet(i) === s), missing)).join("; ");
  }

  refuseIncomplete(seen, kitId) {
    const missing = this.missingText(kitId);
    if (this.kits.size === 1 || kitId !== null) {
      throw new InvalidData(`${this.status(kitId)}: ${missing}`, this.retakeAdvice(kitId));
    }
    const newest = seen.frames.first;
    const label = `kit ${shortId(newest.kitId)}`;
    const head =
      `the newest kit found, ${label} (generation ${newest.generation}), has only ` +
      `${seen.frames.frames.size} of the ${newest.k} codes needed: ${missing}`;
    const others = this.summaries().filter((s) => hex(s.kitId) !== hex(newest.kitId));
    const complete = others.filter((s) => s.complete);
    if (complete.length) {
      // An old kit complete, the new one not (yet): restoring the old one would lose what
      // changed since, so it takes a deliberate choice.
      const older = complete.reduce((a, b) => (b.generation > a.generation ? b : a));
      throw new InvalidData(
        `${head}; kit ${shortId(older.kitId)} (generation ${older.generation}) is complete but older: ` +
          "restoring it would lose what changed since it was printed",
        `find the rest of ${label}, or restore the older kit deliberately by choosing it`,
      );
    }
    throw new InvalidData(`${head}; also found and not mixed in: ${others.map(describe).join("; ")}`, `find the rest of ${label}`);
  }
}

// Whether these QR texts alone rebuild the kit a restore would choose (vault/paper/restore.py's
// enough_codes): a photo's passes stop the moment this holds.
export async function enoughCodes(texts, kitId = null) {
  const session = new RestoreSession();
  for (const text of texts) await session.addText(text);
  return session.ready(kitId);
}
