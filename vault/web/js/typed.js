// Restore from typed paper: what the page says about the lines typed so far. No DOM: app.js
// shows the result, and the tests run it in Node against kits printed by Python.
//
// Every check starts a new RestoreSession from all the lines in the box, so a line fixed in
// place and a line retyped at the end both count. The session keeps the CLI's rules (a good
// retype replaces a bad line, a bad retype never replaces a good one; kits never mixed).
import { hex } from './bytes.js';
import { TAG, parseTypedLine, shortId } from './frames.js';
import { RestoreSession } from './restore.js';
import { count } from './present.js';
import { sentence } from './words.js';


function clip(text, n = 24) {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}

function label(codeNo, lineNo) {
  return `${String(codeNo).padStart(3, '0')}-${String(lineNo).padStart(2, '0')}`;
}

/** Why the typed lines do not rebuild the vault yet, in the CLI's words (typed_shortfall). */
export function typedShortfall(session) {
  const complete = session.completeCodes();
  const layout = session.typedLayout();
  if (layout === null) {
    return (
      `${complete} complete code${complete === 1 ? '' : 's'} in the typed lines, and the ` +
      "kit's size cannot be told yet: type every line of a code, starting at line 01"
    );
  }
  const [, k, perCode] = layout;
  const needed = session.linesNeeded();
  return (
    `${complete} of the ${k} complete codes needed are in the typed lines: ` +
    `${needed} more line${needed === 1 ? '' : 's'} needed (a code has ${perCode} lines)`
  );
}

/** One kit as the person can choose it. */
function kitLabel(s) {
  return (
    `kit ${shortId(s.kitId)} of vault ${shortId(s.vaultId)}: generation ${s.generation}, ` +
    `${s.read} of ${s.n} codes read, ${s.k} needed`
  );
}

/** The codes of the kit in play, for ticking them off: {n, k, read: indexes}; else null. */
function codesOf(session, kitId) {
  try {
    const fs = session.kit(kitId).frames;
    return { n: fs.n, k: fs.k, read: [...fs.frames.keys()].sort((a, b) => a - b) };
  } catch (err) {
    if (err.name !== 'InvalidData') throw err;
    return null;
  }
}

/**
 * Check lines (an array of strings) and the texts of QR codes read from photos or the camera
 * (imagesRead: how many photos were read, codes or not), and say where the restore stands:
 * {problems: lines to fix, notes: what is missing or left out, status: one sentence,
 *  kits: [{id, label}] when the person must choose, bytes: the rebuilt file or null,
 *  typed: how many kit lines were read, codes: the kit's codes read (see codesOf)}.
 */
export async function checkTyped(lines, kitId = null, texts = [], imagesRead = 0) {
  const session = new RestoreSession();
  for (const text of texts) await session.addText(text, 'scanned');
  const bad = new Map(); // label -> message, until a good copy of that line appears
  const good = new Map(); // label -> the characters of its first good line
  const twice = new Set();
  const problems = [];
  const kitLines = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (line.toUpperCase().startsWith(TAG)) {
      if (!(await session.addText(line, 'typed'))) {
        problems.push(`The whole code “${clip(line)}” does not read: check it was copied whole.`);
      }
      continue;
    }
    let typed;
    try {
      typed = await parseTypedLine(line);
    } catch (err) {
      if (err.name !== 'InvalidData') throw err;
      problems.push(`“${clip(line)}”: ${err.message}.`);
      continue;
    }
    if (typed === null) {
      problems.push(
        `“${clip(line)}” is not a kit line: type it as printed, starting with the code and line number.`,
      );
      continue;
    }
    kitLines.push(line);
    const l = label(typed.codeNo, typed.lineNo);
    if (typed.ok) {
      // Both lines check, so they come from two printouts: the first one typed would win
      // silently, and a kit's lines carry no kit id to tell them apart.
      if (good.has(l) && good.get(l) !== typed.chars && !twice.has(l)) {
        twice.add(l);
        problems.push(
          `Line ${l} was typed twice, differently: are these lines from two kits? ` +
            'Type the lines of one kit only (the newest).',
        );
      }
      if (!good.has(l)) good.set(l, typed.chars);
    } else if (!bad.has(l)) {
      bad.set(l, `Line ${l} does not match its check characters: retype it.`);
    }
  }
  await session.addLines(kitLines, 'typed');
  for (const [l, message] of bad) if (!good.has(l)) problems.push(message);
  const result = { problems, notes: [], status: '', kits: [], bytes: null, typed: kitLines.length };
  const found = session.summaries();
  result.codes = found.length ? codesOf(session, kitId || null) : null;
  if (!found.length) {
    result.status = kitLines.length
      ? sentence(typedShortfall(session))
      : lines.some((l) => l.trim())
        ? 'No line of a kit yet.'
        : texts.length || imagesRead
          ? 'No code of a kit has been read yet.'
          : 'Nothing typed or read yet.';
    result.notes = session.typedReport().filter((r) => r.startsWith('code ')).map(sentence);
    return result;
  }
  let chooses = false;
  try {
    session.kit(null);
  } catch (err) {
    if (err.name !== 'InvalidData') throw err;
    chooses = true;
    if (!kitId) {
      result.status = `${sentence(err.message)} Choose the kit to rebuild.`;
      result.kits = found.map((s) => ({ id: hex(s.kitId), label: kitLabel(s) }));
      return result;
    }
  }
  const chosen = kitId || null;
  const ready = session.ready(chosen);
  if (found.length > 1 && (chooses || !ready)) {
    result.kits = found.map((s) => ({ id: hex(s.kitId), label: kitLabel(s) }));
  }
  try {
    if (ready) {
      result.bytes = await session.finish(chosen);
      result.status = `${sentence(session.status(chosen)).slice(0, -1)}: the vault is rebuilt.`;
      result.notes = session.ignored(chosen);
      return result;
    }
    await session.finish(chosen); // refuses, with the CLI's account of what is missing
  } catch (err) {
    if (err.name !== 'InvalidData' && err.name !== 'CorruptVault') throw err;
    const single = found.length === 1 || chosen !== null;
    result.status = single && kitLines.length ? sentence(typedShortfall(session)) : sentence(err.message);
    if (single && !kitLines.length) result.notes = [sentence(err.message)];
    // From photos, where the missing codes sit says what to photograph again.
    if (single && texts.length && err.hint) result.notes.push(sentence(err.hint));
  }
  result.notes.push(...session.typedReport().filter((r) => r.startsWith('code ')).map(sentence));
  return result;
}

/** One line on what a photo held: codes read, another sheet's code, or why nothing was read. */
export function photoNote(name, { texts = [], others = [], detected = false }) {
  if (texts.length) {
    const extra = others.length ? ', and another QR code (a recovery key or share sheet?)' : '';
    return `${name}: ${count(texts.length, 'code', 'codes')} of the kit read${extra}.`;
  }
  if (others.length) {
    return (
      `${name}: no code of the kit, but another QR code (a recovery key or share sheet?). ` +
      'Use those under “Use the recovery key or shares”.'
    );
  }
  if (detected) {
    return `${name}: QR codes were seen but could not be read. Take the photo again: closer, sharper, without flash.`;
  }
  return `${name}: no QR code found. Too dark or blurred? Take it again in good light, with the whole sheet in the picture.`;
}
