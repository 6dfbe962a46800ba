// Forgotten passphrase: what the page says about a recovery key or share words typed so far,
// the shares given, and QR codes of those sheets read from photos. No DOM: app.js shows the
// results, and the tests run this in Node against sheets printed by Python. The words follow
// vault/paper/shares.py's TypedShares.
import { splitWords } from './bytes.js';
import { InvalidData } from './errors.js';
import { parsePrintedKey, typedKeyProgress } from './printed_key.js';
import { SHARE_WORDS, checkShare, combineShares, typedWordProblem } from './slip39.js';
import { problemText } from './words.js';


/** Help under the recovery key field: {ok, text}; the key is checked once all of it is typed. */
export async function keyHelp(text) {
  const progress = typedKeyProgress(text);
  if (progress !== null) return { ok: false, text: text.trim() ? progress : '' };
  try {
    await parsePrintedKey(text);
  } catch (err) {
    if (!(err instanceof InvalidData)) throw err;
    return { ok: false, text: problemText(err) };
  }
  return { ok: true, text: 'The key checks out. Press “Open with the recovery key”.' };
}

/** The words of share text as typed: numbering ("1." or "17)") and punctuation dropped. */
export function splitShareText(text) {
  const words = [];
  for (const raw of splitWords(text.toLowerCase())) {
    const token = raw.replace(/^\d+[.):]*/, '').replace(/^[.,;:]+|[.,;:]+$/g, '');
    if (token) words.push(token);
  }
  return words;
}

/**
 * Help under the share words field while they are typed: {count, problem}. Every finished
 * word (one followed by a space or a new line) is checked; the word still being typed is not.
 */
export function shareHelp(text) {
  const words = splitShareText(text);
  const finished = /\s$/u.test(text) ? words : words.slice(0, -1);
  for (const [i, word] of finished.entries()) {
    const problem = typedWordProblem(word, i + 1);
    if (problem) return { count: words.length, problem };
  }
  return { count: words.length, problem: null };
}

/** The share sheets given so far, checked one by one; combined once enough are in. */
export class ShareSet {
  constructor() {
    this.shares = new Map(); // sheet number -> the share's 33 words
    this.needed = 0;
    this.identifier = null;
  }

  /** How many more shares are needed; null before the first one. */
  missing() {
    return this.needed ? Math.max(0, this.needed - this.shares.size) : null;
  }

  /** Take one share's words: what to tell the person; InvalidData if the share is wrong. */
  add(words, label = 'this share') {
    if (words.length !== SHARE_WORDS) {
      const off = words.length - SHARE_WORDS;
      throw new InvalidData(
        `${label} has ${words.length} word${words.length === 1 ? '' : 's'}; a share has ${SHARE_WORDS} ` +
          `(${Math.abs(off)} ${off < 0 ? 'missing' : 'too many'})`,
      );
    }
    const share = checkShare(words, label);
    const number = share.index + 1;
    if (this.identifier !== null && share.identifier !== this.identifier) {
      throw new InvalidData(
        'these words are from a different set of share sheets (printed at another time)',
        'give a share from the same set',
      );
    }
    if (this.shares.has(number)) return `You already gave share ${number}. Give a different share.`;
    this.identifier = share.identifier;
    this.needed = share.threshold;
    this.shares.set(number, words);
    const more = this.needed - this.shares.size;
    if (more <= 0) return `Share ${number} ok. That makes ${this.needed}: enough to open the vault.`;
    return `Share ${number} ok. ${more} more share${more > 1 ? 's' : ''} needed.`;
  }

  /** The recovery key from the shares; InvalidData says how many more are needed. */
  async key(passphrase = '') {
    if (!this.shares.size) throw new InvalidData('no share has been given yet');
    if ([...passphrase].some((c) => c < ' ' || c > '~')) {
      throw new InvalidData("a share passphrase must be printable ASCII (SLIP-39's rule)");
    }
    return combineShares([...this.shares.values()], new TextEncoder().encode(passphrase));
  }
}

/**
 * QR texts that are not kit codes, sorted: {keys: [key text], shares: [[words]], unknown}.
 * A recovery key sheet's code holds the key as printed; a share sheet's, its 33 words.
 */
export async function sortSheetCodes(texts) {
  const found = { keys: [], shares: [], unknown: 0 };
  for (const text of texts) {
    const words = splitShareText(text);
    if (words.length === SHARE_WORDS && words.every((w) => /^[a-z]+$/.test(w))) {
      found.shares.push(words);
      continue;
    }
    try {
      await parsePrintedKey(text);
      found.keys.push(text.trim());
    } catch (err) {
      if (!(err instanceof InvalidData)) throw err;
      found.unknown += 1;
    }
  }
  return found;
}
