// The forgotten-passphrase view: the vault opened with the printed recovery key (typed, or
// read from a photo of its sheet) or with K share sheets (typed word by word with help, or
// photographed). Setting a new passphrase stays with `rvault recover`; the page says so.
import { $, MAX_PHOTO, h, nextPaint, photoReader, showView } from './dom.js';
import { openVaultWithKey } from './open.js';
import { count } from './present.js';
import { parsePrintedKey } from './printed_key.js';
import { ShareSet, keyHelp, shareHelp, sortSheetCodes, splitShareText } from './recover.js';
import { problemText, recoveryErrorMessage } from './words.js';

const state = {
  shares: new ShareSet(),
  hooks: null, // app.js: vault() -> {bytes, memoryKib}, opened(doc), sheetCodes(), forget()
};

export async function showRecoverView() {
  $('recover-error').hidden = true;
  $('recover-source').textContent = state.hooks.vault().bytes
    ? 'Your vault is here, still locked. Open it with the recovery key or the shares below.'
    : 'This needs your vault first: go Back and open the vault file, or rebuild the vault ' +
      'from the paper kit; then come back here.';
  showView('recover-view');
  $('recovery-key').focus();
  // Sheets photographed along with the kit: their codes are used without asking again.
  const read = state.hooks.sheetCodes();
  if (read.length) {
    const note = (text) => $('sheet-results').append(h('li', { text }));
    await takeSheetCodes('the photos of the kit', read, note);
  }
}

function recoverError(text) {
  $('recover-error').textContent = text;
  $('recover-error').hidden = !text;
}

/** Drop every typed or read key and share (after opening, on Lock, on Back). */
export function forgetRecoveryInput() {
  $('recovery-key').value = '';
  $('share-words').value = '';
  $('share-passphrase').value = '';
  state.shares = new ShareSet();
  state.hooks.forget();
  $('share-status').textContent = 'No share given yet.';
  $('sheet-results').replaceChildren();
  recoverError('');
}

async function updateKeyHelp() {
  const text = $('recovery-key').value;
  const help = await keyHelp(text);
  if ($('recovery-key').value === text) $('key-help').textContent = help.text;
}

async function openWithKey(key) {
  const { bytes, memoryKib } = state.hooks.vault();
  if (!bytes) {
    recoverError('Open the vault file or rebuild the vault from the kit first (Back).');
    return;
  }
  recoverError('');
  $('recover-progress-text').textContent = 'Opening the vault…';
  $('recover-progress').hidden = false;
  await nextPaint();
  try {
    const { doc } = await openVaultWithKey(bytes, key);
    forgetRecoveryInput();
    state.hooks.opened(doc);
  } catch (err) {
    recoverError(recoveryErrorMessage(err, memoryKib));
  } finally {
    $('recover-progress').hidden = true;
  }
}

async function submitKey(event) {
  event.preventDefault();
  let key;
  try {
    // The key's check characters are tested before any key is tried on the vault.
    key = await parsePrintedKey($('recovery-key').value);
  } catch (err) {
    if (err.name !== 'InvalidData') throw err;
    $('key-help').textContent = problemText(err);
    recoverError(problemText(err));
    $('recovery-key').focus();
    return;
  }
  await openWithKey(key);
}

function updateShareHelp() {
  const { count: n, problem } = shareHelp($('share-words').value);
  $('share-help').textContent = problem || (n ? `${n} of 33 words so far.` : '');
}

function takeShare(words, label) {
  try {
    $('share-status').textContent = state.shares.add(words, label);
    return true;
  } catch (err) {
    if (err.name !== 'InvalidData') throw err;
    $('share-help').textContent = problemText(err);
    return false;
  }
}

function submitShare(event) {
  event.preventDefault();
  const words = splitShareText($('share-words').value);
  if (!words.length) return;
  if (takeShare(words, 'this share')) {
    $('share-words').value = '';
    $('share-help').textContent = '';
  }
  $('share-words').focus();
}

async function openWithShares() {
  const more = state.shares.missing();
  if (more === null) {
    recoverError('Type the words of a share sheet and press “Add this share” first.');
    return;
  }
  if (more > 0) {
    recoverError(`${count(more, 'more share is', 'more shares are')} needed: add the words of another share sheet.`);
    return;
  }
  let key;
  try {
    // The shares' stretching cost is checked before any of it is spent.
    key = await state.shares.key($('share-passphrase').value);
  } catch (err) {
    if (err.name !== 'InvalidData') throw err;
    recoverError(problemText(err));
    return;
  }
  await openWithKey(key);
}

/** Read photos of the recovery key sheet or share sheets: their QR codes fill the fields. */
async function readSheetPhotos() {
  const input = $('sheet-photos');
  const files = [...input.files];
  input.value = '';
  if (!files.length) return;
  const note = (text) => $('sheet-results').append(h('li', { text }));
  $('recover-progress').hidden = false;
  try {
    const reader = photoReader();
    for (const file of files) {
      if (file.size > MAX_PHOTO) {
        note(`${file.name}: larger than a photo can be here (64 MiB); it was not read.`);
        continue;
      }
      $('recover-progress-text').textContent = `Reading ${file.name}…`;
      let result;
      try {
        result = await reader.decode(file, { maxPasses: 6 });
      } catch (err) {
        note(`${file.name}: ${problemText(err)}`);
        continue;
      }
      await takeSheetCodes(file.name, result.others, note);
    }
  } catch (err) {
    note(problemText(err));
  } finally {
    $('recover-progress').hidden = true;
  }
}

async function takeSheetCodes(name, texts, note) {
  const found = await sortSheetCodes(texts);
  if (found.keys.length) {
    $('recovery-key').value = found.keys[0];
    await updateKeyHelp();
    note(`${name}: the recovery key was read. Press “Open with the recovery key”.`);
  }
  for (const words of found.shares) {
    if (takeShare(words, `the share in ${name}`)) note(`${name}: ${$('share-status').textContent}`);
  }
  if (!found.keys.length && !found.shares.length) {
    note(`${name}: no recovery key or share sheet QR code was found.`);
  }
}

/** Wire the view's elements to hooks from app.js (see state.hooks). */
export function setupRecoverView(hooks) {
  state.hooks = hooks;
  $('recovery-key').addEventListener('input', updateKeyHelp);
  $('key-form').addEventListener('submit', submitKey);
  $('share-words').addEventListener('input', updateShareHelp);
  $('share-form').addEventListener('submit', submitShare);
  $('shares-open').addEventListener('click', openWithShares);
  $('sheet-photos').addEventListener('change', readSheetPhotos);
  $('recover-back').addEventListener('click', () => {
    forgetRecoveryInput();
    showView('open-view');
  });
}
