// What the page says when something goes wrong, in words for someone who is not technical.
// The error classes come from errors.js and carry the CLI's own messages; this file only adds
// what to do next. Pure functions: no DOM.

/** The one message for every authentication failure: wrong passphrase and tampering alike.
 * Telling them apart would tell an attacker which guess got further. */
export const WRONG_PASSPHRASE =
  'Wrong passphrase, or the file was changed. Check the passphrase (capital letters count) ' +
  'and try again.';

/** text as a sentence: a capital first, one full stop at the end. */
export function sentence(text) {
  const t = String(text || '').trim();
  return t ? t[0].toUpperCase() + t.slice(1).replace(/\.?$/, '.') : '';
}

/** An error's message and hint (what to do), as sentences. */
export function problemText(err) {
  return `${sentence(err && err.message)} ${sentence(err && err.hint)}`.trim();
}

/** Whether an error means the browser could not give Argon2 the memory it asked for. */
export function isMemoryError(err) {
  if (!err || (err.name && /^(AuthenticationFailed|InvalidData|CorruptVault|Unsupported|LimitExceeded)$/.test(err.name))) {
    return false;
  }
  return err instanceof RangeError || /memory|allocat/i.test(String(err.message || err));
}

/** What to tell the person when opening a vault failed with err. */
export function openErrorMessage(err, memoryKib) {
  switch (err && err.name) {
    case 'AuthenticationFailed':
      return WRONG_PASSPHRASE;
    case 'CorruptVault':
      if (/magic/.test(err.message)) {
        return 'This is not an rvault vault file. Pick the .rvault file, or rebuild it from the paper kit.';
      }
      return (
        `This vault file is damaged: ${err.message}. Try another copy of it, ` +
        'or rebuild it from the paper kit.'
      );
    case 'Unsupported':
      return (
        `${sentence(err.message)} A newer rvault wrote this file: open it with that rvault, ` +
        'or make a new page with it (rvault html).'
      );
    case 'LimitExceeded':
      return `${sentence(err.message)} Such a file is refused before any work is done.`;
    case 'InvalidData':
      return sentence(err.message);
    default:
      break;
  }
  if (isMemoryError(err)) {
    const mib = Math.round(memoryKib / 1024);
    return (
      `This browser could not set aside the ${mib ? `${mib} MiB of ` : ''}memory needed to ` +
      'open the vault. Close other tabs and apps and try again, or use a computer.'
    );
  }
  return `The vault could not be opened in this browser (${(err && err.message) || err}). Try another browser.`;
}

/** What to tell the person when opening with the recovery key or shares failed. */
export function recoveryErrorMessage(err, memoryKib) {
  if (err && err.name === 'AuthenticationFailed') {
    return (
      'The recovery key or the shares do not open this vault (or the file was changed). ' +
      'Check them against the sheets, and that the vault is the one the sheets were printed for.'
    );
  }
  if (err && (err.name === 'MissingInput' || err.name === 'InvalidData')) return problemText(err);
  return openErrorMessage(err, memoryKib);
}
