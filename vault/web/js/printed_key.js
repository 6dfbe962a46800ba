// The printed recovery key (docs/FORMAT.md section 2): 54 Crockford characters in 9 groups
// of 6, the last two checking the 52 before them. Read as forgivingly as on paper, and a
// typo is caught (and its group named) before any key is tried. Mirrors
// vault/paper/recovery.py; messages never echo what was typed.
import { ALPHABET, b32decode, b32encode, normalizeB32 } from "./base32.js";
import { ascii, sha256 } from "./bytes.js";
import { InvalidData } from "./errors.js";

const DATA_CHARS = 52;
const GROUP = 6;
const KEY_CHARS = DATA_CHARS + 2;
const SAME = "0/O and 1/I/L count as the same";
// Characters people mix up when copying from paper (normalizing merges O/0 and I/L/1).
const LOOKALIKES = [
  "0D", "0Q", "17", "2Z", "5S", "6G", "8B", "38", "9G", "9Q", "CG", "EF", "MN",
  "MW", "NH", "PR", "VY", "VW", "KX", "4A", "6B", "0C", "QG", "RK", "TY", "7T",
].map((p) => new Set(p));

async function checks(data) {
  const first = [...data].reduce((n, c) => n + ALPHABET.indexOf(c), 0) % 32;
  const second = (await sha256(ascii(data)))[0] >> 3;
  return ALPHABET[first] + ALPHABET[second];
}

function ordinal(n) {
  return { 1: "1st", 2: "2nd", 3: "3rd" }[n] ?? `${n}th`;
}

export function groupName(group) {
  const [line, nth] = group <= 5 ? [1, group] : [2, group - 5];
  return `group ${group} (line ${line}, ${ordinal(nth)} group)`;
}

function groupNames(groups, joiner) {
  const names = groups.map(groupName);
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} ${joiner} ${names[names.length - 1]}`;
}

function keyChars(text) {
  const chars = normalizeB32(text);
  [...chars].forEach((c, pos) => {
    if (!ALPHABET.includes(c)) {
      throw new InvalidData(
        `the recovery key has a character that is not on the sheet, in ${groupName(Math.floor(pos / GROUP) + 1)}`,
      );
    }
  });
  return chars;
}

function lengthProblem(text, chars) {
  const off = chars.length - KEY_CHARS;
  const count = `${Math.abs(off)} character${Math.abs(off) !== 1 ? "s" : ""}`;
  let problem = `${count} ${off < 0 ? "missing" : "too many"}`;
  // Typed with its dashes or spaces, the one group of the wrong length is the culprit.
  const groups = text.trim().split(/[\s-]+/u).filter((g) => g);
  if (groups.length === KEY_CHARS / GROUP) {
    const wrong = groups.map((g, i) => [normalizeB32(g).length, i + 1]).filter(([n]) => n !== GROUP);
    if (wrong.length === 1) problem += `, in ${groupName(wrong[0][1])}`;
  }
  return `the recovery key has ${chars.length} characters; it should have ${KEY_CHARS} (9 groups of 6): ${problem}`;
}

// Where one mistyped character would explain a failed check: [groups, likeliest or null].
async function typoGroups(chars) {
  const data = chars.slice(0, DATA_CHARS);
  const check = chars.slice(DATA_CHARS);
  const values = [...data].map((c) => ALPHABET.indexOf(c));
  const delta = (((ALPHABET.indexOf(check[0]) - values.reduce((a, b) => a + b, 0)) % 32) + 32) % 32;
  const fits = new Map(); // place -> the character that would fix it
  const own = await checks(data);
  if (delta === 0) {
    if (own[1] !== check[1]) fits.set(DATA_CHARS + 1, own[1]);
  } else {
    if (own[1] === check[1]) fits.set(DATA_CHARS, own[0]);
    for (let pos = 0; pos < values.length; pos++) {
      const fixed = data.slice(0, pos) + ALPHABET[(values[pos] + delta) % 32] + data.slice(pos + 1);
      if ((await checks(fixed))[1] === check[1]) fits.set(pos, fixed[pos]);
    }
  }
  const groups = [...new Set([...fits.keys()].map((p) => Math.floor(p / GROUP) + 1))].sort((a, b) => a - b);
  const lookalike = new Set(
    [...fits]
      .filter(([pos, c]) => LOOKALIKES.some((pair) => pair.has(chars[pos]) && pair.has(c) && chars[pos] !== c))
      .map(([pos]) => Math.floor(pos / GROUP) + 1),
  );
  let likeliest = groups.length === 1 ? groups[0] : null;
  if (likeliest === null && lookalike.size === 1) likeliest = [...lookalike][0];
  return [groups, likeliest];
}

async function typoMessage(chars) {
  const [groups, likeliest] = await typoGroups(chars);
  if (likeliest !== null) {
    const others = groups.filter((g) => g !== likeliest);
    if (!others.length) {
      return [`the recovery key has a typo: ${groupName(likeliest)} looks wrong`, `compare that group with the sheet; ${SAME}`];
    }
    return [
      `the recovery key has a typo, most likely in ${groupName(likeliest)}`,
      `if that group matches the sheet, check ${groupNames(others, "and")}; ${SAME}`,
    ];
  }
  if (groups.length > 1 && groups.length <= 3) {
    return [`the recovery key has a typo, probably in ${groupNames(groups, "or")}`, `compare those groups with the sheet; ${SAME}`];
  }
  return ["the recovery key has a typo: its check characters do not match", `compare each group with the sheet; ${SAME}`];
}

// The 32-byte key from its printed form; InvalidData naming the problem on any typo.
export async function parsePrintedKey(text) {
  const chars = keyChars(text);
  if (chars.length !== KEY_CHARS) throw new InvalidData(lengthProblem(text, chars));
  const data = chars.slice(0, DATA_CHARS);
  if ((await checks(data)) !== chars.slice(DATA_CHARS)) throw new InvalidData(...(await typoMessage(chars)));
  let key;
  try {
    key = b32decode(data);
  } catch {
    key = null;
  }
  if (!key || key.length !== 32 || b32encode(key) !== data) {
    throw new InvalidData("the recovery key has a typo in group 9 (the last group)");
  }
  return key;
}

// How far a key typed so far has got, for a prompt under the field; null once complete.
export function typedKeyProgress(text) {
  const chars = normalizeB32(text).replace(/[^0-9A-Z]/g, "");
  if (chars.length >= KEY_CHARS) return null;
  const left = KEY_CHARS - chars.length;
  if (chars.length === 5 * GROUP) return "Line 1 of 2 ok. Now type the second line (4 groups).";
  return `${chars.length} of ${KEY_CHARS} characters so far; type the rest (${left} more).`;
}
