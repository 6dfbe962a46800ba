// SLIP-39 share sheets (satoshilabs/slips, slip-0039.md), only as rvault uses them: one group,
// K of N shares of the 32-byte recovery key, 33 words each. Each typed word is checked as it
// comes (the first four letters are enough), a misspelt word gets a suggestion, a real but
// wrong word is located through the share's RS1024 check, and the PBKDF2 cost a share asks
// for is capped before any round runs. Mirrors vault/paper/shares.py and shamir-mnemonic.
import { ascii, concat, equal } from "./bytes.js";
import { InvalidData } from "./errors.js";
import { WORDS } from "./slip39_words.js";

export const SHARE_WORDS = 33;
export const MAX_SHARE_EXPONENT = 4; // 160,000 PBKDF2 iterations: well under a second
const INDEX = new Map(WORDS.map((w, i) => [w, i]));
const GEN = [0xe0e040, 0x1c1c080, 0x3838100, 0x7070200, 0xe0e0009, 0x1c0c2412, 0x38086c24, 0x3090fc48, 0x21b1f890, 0x3f3f120];

function polymod(values) {
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 20;
    chk = (((chk & 0xfffff) << 10) ^ v) >>> 0;
    for (let i = 0; i < 10; i++) if ((b >>> i) & 1) chk = (chk ^ GEN[i]) >>> 0;
  }
  return chk;
}

function customization(extendable) {
  return [...ascii(extendable ? "shamir_extendable" : "shamir")];
}

// The word a typed word means: the word itself or its first 4+ letters; null otherwise.
export function shareWord(typed) {
  const t = typed.toLowerCase();
  if (INDEX.has(t)) return t;
  if (t.length >= 4 && /^[a-z]+$/.test(t)) {
    const found = WORDS.filter((w) => w.startsWith(t));
    if (found.length === 1) return found[0];
  }
  return null;
}

function distance(a, b) {
  let prev2 = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let cost = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] !== b[j - 1] ? 1 : 0));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cost = Math.min(cost, prev2[j - 2] + 1);
      row.push(cost);
    }
    [prev2, prev] = [prev, row];
  }
  return prev[b.length];
}

// Share words a misspelt word probably was: same first 4 letters, or 1-2 letters off.
export function suggestWords(typed) {
  const letters = typed.toLowerCase().replace(/[^a-z]/g, "");
  if (letters.length >= 4) {
    const same = WORDS.filter((w) => w.slice(0, 4) === letters.slice(0, 4));
    if (same.length) return same;
  }
  const scored = WORDS.map((w) => [distance(letters, w), w]).sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1));
  const best = scored[0][0];
  return best <= 2 ? scored.filter(([d]) => d === best).slice(0, 3).map(([, w]) => w) : [];
}

export function wordProblem(typed) {
  const said = suggestWords(typed).map((w) => `"${w}"`).join(" or ");
  return "is not a word used on share sheets" + (said ? `; did you mean ${said}?` : "");
}

function sentence(text) {
  return text.endsWith("?") ? text : `${text}.`;
}

// The one wrong word (1-33) that explains a failed check, if exactly one does. RS1024 is
// linear: changing word p by x changes the check state by a value fixed by p and x.
function wrongWord(values) {
  const prefix = customization(Boolean((values[1] >> 4) & 1));
  const syndrome = (polymod([...prefix, ...values]) ^ 1) >>> 0;
  if (syndrome === 0) return null;
  const zero = polymod([...prefix, ...values.map(() => 0)]);
  const found = [];
  for (let pos = 0; pos < values.length; pos++) {
    const basis = [];
    for (let bit = 0; bit < 10; bit++) {
      const run = values.map(() => 0);
      run[pos] = 1 << bit;
      basis.push((polymod([...prefix, ...run]) ^ zero) >>> 0);
    }
    for (let x = 1; x < 1024; x++) {
      let e = 0;
      for (let bit = 0; bit < 10; bit++) if ((x >> bit) & 1) e ^= basis[bit];
      if (e >>> 0 === syndrome) found.push(pos + 1);
    }
  }
  return found.length === 1 ? found[0] : null;
}

function parseShare(values) {
  const idExp = (values[0] << 10) | values[1];
  const params = (values[2] << 10) | values[3];
  const valueWords = values.slice(4, -3);
  const paddingBits = (10 * valueWords.length) % 16;
  let big = 0n;
  for (const v of valueWords) big = (big << 10n) | BigInt(v);
  const byteCount = Math.ceil((10 * valueWords.length - paddingBits) / 8);
  const value = new Uint8Array(byteCount);
  for (let i = byteCount - 1; i >= 0; i--) {
    value[i] = Number(big & 0xffn);
    big >>= 8n;
  }
  if (big !== 0n) throw new InvalidData("the share's padding is not zero");
  return {
    identifier: idExp >> 5,
    extendable: Boolean((idExp >> 4) & 1),
    exponent: idExp & 15,
    groupIndex: params >> 16,
    groupThreshold: ((params >> 12) & 15) + 1,
    groupCount: ((params >> 8) & 15) + 1,
    index: (params >> 4) & 15,
    threshold: (params & 15) + 1,
    value,
  };
}

// The words of one share, each word and the share's check verified; label names it in errors.
export function checkShare(words, label) {
  const known = [];
  words.forEach((typed, i) => {
    const word = shareWord(typed);
    if (word === null) throw new InvalidData(`${label}: word ${i + 1} ${wordProblem(typed)}`);
    known.push(word);
  });
  if (known.length !== SHARE_WORDS) {
    const off = known.length - SHARE_WORDS;
    throw new InvalidData(
      `${label} has ${known.length} words; a share has ${SHARE_WORDS} (${Math.abs(off)} ${off < 0 ? "missing" : "too many"})`,
    );
  }
  const values = known.map((w) => INDEX.get(w));
  const extendable = Boolean((values[1] >> 4) & 1);
  if (polymod([...customization(extendable), ...values]) !== 1) {
    const wrong = wrongWord(values);
    if (wrong !== null) {
      throw new InvalidData(`${label}: word ${wrong} looks wrong (a real word, but not the one on the sheet)`);
    }
    throw new InvalidData(`${label}: the words do not check out`, "compare each word with the sheet, in order");
  }
  const share = parseShare(values);
  if (share.groupCount !== 1) throw new InvalidData(`${label} is not a share of an rvault recovery key`);
  return share;
}

// Feedback for one word as it is typed: null when it is a share word.
export function typedWordProblem(typed, number) {
  return shareWord(typed) === null ? `Word ${number} ${sentence(wordProblem(typed))} Type it again.` : null;
}

// --- combining: GF(256) with the AES polynomial, as SLIP-39 specifies ------------------------

const EXP = new Uint8Array(255);
const LOG = new Uint8Array(256);
{
  let poly = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = poly;
    LOG[poly] = i;
    poly = (poly << 1) ^ poly;
    if (poly & 0x100) poly ^= 0x11b;
  }
}

function interpolate(shares, x) {
  const hit = shares.find((s) => s.x === x);
  if (hit) return hit.data;
  const logProd = shares.reduce((n, s) => n + LOG[s.x ^ x], 0);
  const out = new Uint8Array(shares[0].data.length);
  for (const s of shares) {
    const others = shares.reduce((n, o) => n + LOG[s.x ^ o.x], 0);
    const basis = (((logProd - LOG[s.x ^ x] - others) % 255) + 255) % 255;
    s.data.forEach((v, t) => {
      if (v !== 0) out[t] ^= EXP[(LOG[v] + basis) % 255];
    });
  }
  return out;
}

async function hmac256(key, data) {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

async function recoverSecret(threshold, shares) {
  if (threshold === 1) return shares[0].data;
  const secret = interpolate(shares, 255);
  const digestShare = interpolate(shares, 254);
  const digest = (await hmac256(digestShare.slice(4), secret)).slice(0, 4);
  if (!equal(digest, digestShare.slice(0, 4))) throw new InvalidData("the shares do not fit together");
  return secret;
}

async function feistelDecrypt(ems, passphrase, exponent, identifier, extendable) {
  const half = ems.length / 2;
  let l = ems.slice(0, half);
  let r = ems.slice(half);
  const salt = extendable ? new Uint8Array(0) : concat(ascii("shamir"), new Uint8Array([identifier >> 8, identifier & 255]));
  const iterations = (10000 << exponent) / 4;
  for (let i = 3; i >= 0; i--) {
    const key = await crypto.subtle.importKey("raw", concat(new Uint8Array([i]), passphrase), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: concat(salt, r), iterations }, key, r.length * 8);
    const f = new Uint8Array(bits);
    [l, r] = [r, l.map((b, t) => b ^ f[t])];
  }
  return concat(r, l);
}

// The 32-byte recovery key from K shares (arrays of typed words); InvalidData says how many
// more are needed or what is off, and never quotes the words.
export async function combineShares(shareWords, passphrase = new Uint8Array(0)) {
  const shares = new Map();
  let threshold = 0;
  const ids = new Set();
  shareWords.forEach((words, i) => {
    const share = checkShare(words, `share ${i + 1} given`);
    shares.set(share.index + 1, share);
    threshold = share.threshold;
    ids.add(share.identifier);
  });
  if (!shares.size) throw new InvalidData("no recovery shares were given");
  if (ids.size > 1) throw new InvalidData("these shares come from different splits and never combine");
  if (shares.size < threshold) {
    throw new InvalidData(`${shares.size} of the ${threshold} shares needed were given: ${threshold - shares.size} more needed`);
  }
  const chosen = [...shares.values()].slice(0, threshold);
  const exponent = Math.max(...chosen.map((s) => s.exponent));
  if (exponent > MAX_SHARE_EXPONENT) {
    // Checked before any PBKDF2 round: a forged sheet cannot keep the page busy for minutes.
    throw new InvalidData(
      `these shares ask for a key stretching cost (exponent ${exponent}) above the ${MAX_SHARE_EXPONENT} rvault accepts; rvault's own shares use 1`,
      "these are not share sheets printed by rvault",
    );
  }
  const first = chosen[0];
  if (chosen.some((s) => s.exponent !== first.exponent || s.extendable !== first.extendable || s.threshold !== first.threshold)) {
    throw new InvalidData("the shares do not fit together");
  }
  const groupSecret = await recoverSecret(threshold, chosen.map((s) => ({ x: s.index, data: s.value })));
  // One group of a one-group split: its secret is the encrypted master secret.
  return feistelDecrypt(groupSecret, passphrase, first.exponent, first.identifier, first.extendable);
}
