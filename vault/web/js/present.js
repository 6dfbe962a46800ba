// What the page shows, as pure functions of the vault document: no DOM, no clock, no crypto.
// app.js turns their results into elements; tests run them in Node and in the browser.

const KIND_LABELS = {
  'backup-codes': 'Backup codes',
  'recovery-key': 'Recovery key',
  totp: 'Authenticator codes (TOTP)',
  note: 'Note',
};

/** A kind as a person would say it ("Backup codes"). */
export function kindLabel(kind) {
  return KIND_LABELS[kind] || kind;
}

/** Text folded for search: compatibility-decomposed, accents dropped, lower case. */
export function searchKey(text) {
  return String(text ?? '')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The entries in the order `rvault list` shows them: by name, ignoring case. */
export function sortEntries(entries) {
  const key = (e) => e.name.normalize('NFC').toLowerCase();
  return [...entries].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return ka < kb ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** Whether every word of the query is in the entry's name, service, account, url, tags, kind
 * or notes. Secrets are never searched: what is typed here is only ever compared with labels. */
export function entryMatches(entry, query) {
  const words = searchKey(query).split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const haystack = searchKey(
    [
      entry.name,
      entry.issuer,
      entry.account,
      entry.url,
      entry.notes,
      kindLabel(entry.kind),
      ...(entry.tags || []),
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return words.every((w) => haystack.includes(w));
}

/** Backup codes at a glance: how many are unused and which one to use next (-1: none left). */
export function codeStatus(codes) {
  const next = codes.findIndex((c) => !c.used);
  const unused = codes.filter((c) => !c.used).length;
  return { total: codes.length, unused, next };
}

/** '7 of 10 codes left', the CLI's words. */
export function describeCodes(codes) {
  const { total, unused } = codeStatus(codes);
  return `${unused} of ${total} codes left`;
}

/** A TOTP code split for reading aloud or typing: '123 456', '1234 5678'. */
export function groupDigits(code) {
  const half = Math.ceil(code.length / 2);
  return code.length >= 6 ? `${code.slice(0, half)} ${code.slice(half)}` : code;
}

/** An argument as a POSIX shell would take it back: bare when safe, else single-quoted. */
export function shellQuote(word) {
  return /^[\w@%+=:,./-]+$/u.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The command that records, on a computer with rvault, that code number n was used. */
export function markUsedCommand(name, n) {
  return `rvault edit ${shellQuote(name)} --mark-used ${n}`;
}

/** 'one entry' / '3 entries'. */
export function count(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** One line about the whole vault: '12 entries: 5 backup code lists (31 codes left), ...'. */
export function vaultSummary(entries) {
  const by = { 'backup-codes': 0, 'recovery-key': 0, totp: 0, note: 0 };
  let left = 0;
  for (const e of entries) {
    by[e.kind] = (by[e.kind] || 0) + 1;
    if (e.kind === 'backup-codes') left += codeStatus(e.codes).unused;
  }
  const parts = [];
  if (by['backup-codes']) {
    parts.push(`${count(by['backup-codes'], 'list', 'lists')} of backup codes (${left} left)`);
  }
  if (by['recovery-key']) parts.push(count(by['recovery-key'], 'recovery key', 'recovery keys'));
  if (by.totp) parts.push(count(by.totp, 'authenticator account', 'authenticator accounts'));
  if (by.note) parts.push(count(by.note, 'note', 'notes'));
  const head = count(entries.length, 'entry', 'entries');
  return parts.length ? `${head}: ${parts.join(', ')}.` : `${head}.`;
}

/** The otp settings of a totp entry; a version 1 document has none and means SHA1/6/30. */
export function otpSettings(entry) {
  return entry.otp || { algorithm: 'SHA1', digits: 6, period: 30 };
}

/** 'SHA1, 6 digits, every 30 s' (only worth saying when it is not that default). */
export function describeOtp(otp) {
  return `${otp.algorithm}, ${otp.digits} digits, every ${otp.period} s`;
}

/** The setup key in groups of four, as authenticator apps show it. */
export function groupSecret(secret) {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** The entry's facts worth showing besides its secret, as [label, value] pairs. */
export function entryFacts(entry) {
  const facts = [];
  if (entry.issuer && entry.issuer !== entry.name) facts.push(['Service', entry.issuer]);
  if (entry.account) facts.push(['Account', entry.account]);
  if (entry.url) facts.push(['Web address', entry.url]);
  if (entry.tags && entry.tags.length) facts.push(['Tags', entry.tags.join(', ')]);
  if (entry.notes) facts.push(['Notes', entry.notes]);
  return facts;
}

/** Minutes of no typing, tapping or scrolling after which the page locks itself. */
export const IDLE_MINUTES = 5;
