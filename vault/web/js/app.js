// The page's UI: open the embedded vault (or a file, or one rebuilt from the paper kit's
// photos, camera frames or typed lines) with the passphrase, the recovery key or shares,
// show every entry, and lock again. Everything that is not DOM lives in present.js and in the
// core modules; this file wires the open and vault views to the elements of page.html, and
// restore_view.js and recover_view.js the other two.
//
// Rules kept here: the page reads and never writes the vault; nothing is stored (no
// localStorage, IndexedDB or cookies) and nothing is fetched; the decrypted document lives in
// one variable that Lock and the idle timer drop.

import { openVault } from './open.js';
import { parseContainer } from './container.js';
import { totp, secondsLeft } from './totp.js';
import {
  IDLE_MINUTES,
  codeStatus,
  count,
  describeCodes,
  describeOtp,
  entryFacts,
  entryMatches,
  groupDigits,
  groupSecret,
  kindLabel,
  markUsedCommand,
  otpSettings,
  sortEntries,
  vaultSummary,
} from './present.js';
import { $, base64ToBytes, h, nextPaint, showView } from './dom.js';
import { forgetRecoveryInput, setupRecoverView, showRecoverView } from './recover_view.js';
import { forgetSheetCodes, setupRestoreView, sheetCodesRead, stopCamera } from './restore_view.js';
import { openErrorMessage } from './words.js';

const MAX_FILE = 16 * 1024 * 1024; // the format's file cap, checked before reading a file

const state = {
  bytes: null, // the encrypted vault to open (Uint8Array)
  memoryKib: 0, // its Argon2 memory, for the out-of-memory message
  doc: null, // the decrypted document while unlocked
  totps: [], // {entry, code, left, counter} for the live codes
  query: '', // the search, applied to entries as they are added
  copyValues: new WeakMap(), // copy button -> text it copies
  idleTimer: 0,
  tickTimer: 0,
  ticking: false,
  tickAgain: false,
  toastTimer: 0,
};

// ---- Open ----------------------------------------------------------------------------------

/** Take bytes as the vault to open, saying where they came from; false if they cannot be.
 * The container is read (caps included) before anyone types a passphrase into the page. */
async function useVault(bytes, where) {
  state.bytes = null;
  $('open-error').hidden = true;
  let container;
  try {
    container = await parseContainer(bytes);
  } catch (err) {
    $('unlock-form').hidden = true;
    $('vault-source').textContent = where;
    showError(openErrorMessage(err, 0));
    return false;
  }
  const kib = (container.slots || []).map((s) => (s.kdf && s.kdf.memoryKib) || 0);
  state.memoryKib = Math.max(0, ...kib);
  state.bytes = bytes;
  $('vault-source').textContent = `${where} Type your passphrase to open it.`;
  $('unlock-form').hidden = false;
  return true;
}

function showError(text) {
  $('open-error').textContent = text;
  $('open-error').hidden = false;
}

async function unlock(event) {
  event.preventDefault();
  const field = $('passphrase');
  if (!state.bytes || !field.value) return;
  performance.mark('rvault-unlock'); // bench/web.py measures Unlock -> entries shown
  $('open-error').hidden = true;
  $('unlock').disabled = true;
  $('progress-text').textContent = 'Unlocking: working out the key from your passphrase…';
  $('progress').hidden = false;
  await nextPaint();
  try {
    const { doc } = await openVault(state.bytes, field.value, {
      onSlot: (kdf) => {
        const mib = Math.round(kdf.memoryKib / 1024);
        $('progress-text').textContent =
          `Unlocking: working out the key from your passphrase (${mib} MiB, ` +
          `${count(kdf.timeCost, 'pass', 'passes')}). This takes a few seconds, longer on a phone…`;
      },
    });
    field.value = '';
    showVaultView(doc);
  } catch (err) {
    showError(openErrorMessage(err, state.memoryKib));
    field.select();
  } finally {
    $('unlock').disabled = false;
    $('progress').hidden = true;
  }
}

async function pickFile() {
  const file = $('vault-file').files[0];
  if (!file) return;
  showView('open-view');
  if (file.size > MAX_FILE) {
    state.bytes = null;
    $('unlock-form').hidden = true;
    showError(`${file.name} is larger than a vault file can be (16 MiB): it is not a vault.`);
    return;
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (await useVault(bytes, `Vault file “${file.name}”.`)) $('passphrase').focus();
}

// ---- See -----------------------------------------------------------------------------------

/** A Copy button; note() says what to do after copying (made on click: 10,000 codes). */
function copyButton(text, label, note = () => '') {
  const b = h('button', { type: 'button', class: 'copy', 'aria-label': label }, 'Copy');
  state.copyValues.set(b, { text, note });
  return b;
}

function renderCodes(entry) {
  const { next } = codeStatus(entry.codes);
  const list = h('ol', { class: 'codes', 'aria-label': `${entry.name} backup codes` });
  entry.codes.forEach((c, i) => {
    const n = i + 1;
    const cls = c.used ? 'used' : i === next ? 'next' : '';
    const mark = c.used
      ? `used ${c.used_at ? c.used_at.slice(0, 10) : ''}`.trim()
      : i === next
        ? 'use this one next'
        : '';
    const note = () => `Once you have used it, mark it later: ${markUsedCommand(entry.name, n)}`;
    // The number is the list's own marker: one element less per code, on 10,000 codes.
    list.append(
      h(
        'li',
        { class: cls || false },
        h('span', { class: 'code', text: c.code }),
        mark ? h('span', { class: 'state', text: mark }) : null,
        c.used ? null : copyButton(c.code, `Copy code ${n} of ${entry.name}`, note),
      ),
    );
  });
  return [h('p', { class: 'status', text: describeCodes(entry.codes) }), list];
}

function renderSecret(entry) {
  const text = entry.secret;
  return [
    h(
      'div',
      { class: 'secret-row' },
      h('pre', { class: 'secret', text }),
      copyButton(text, `Copy the ${kindLabel(entry.kind).toLowerCase()} of ${entry.name}`),
    ),
  ];
}

function renderTotp(entry) {
  const otp = otpSettings(entry);
  const code = h('span', { class: 'totp-code', 'aria-live': 'off', text: '······' });
  const left = h('span', { class: 'totp-left' });
  const copy = copyButton('', `Copy the current code of ${entry.name}`);
  state.totps.push({ entry, otp, code, left, copy, counter: -1 });
  const isDefault = otp.algorithm === 'SHA1' && otp.digits === 6 && otp.period === 30;
  return [
    h('div', { class: 'secret-row' }, code, left, copy),
    h(
      'details',
      {},
      h('summary', { text: 'Setup key, to add this account to a new authenticator app' }),
      h(
        'div',
        { class: 'secret-row' },
        h('pre', { class: 'secret', text: groupSecret(entry.secret) }),
        copyButton(entry.secret, `Copy the setup key of ${entry.name}`),
      ),
      isDefault ? null : h('p', { class: 'small', text: `Settings: ${describeOtp(otp)}.` }),
    ),
  ];
}

function renderEntry(entry) {
  const facts = entryFacts(entry);
  const body =
    entry.kind === 'backup-codes'
      ? renderCodes(entry)
      : entry.kind === 'totp'
        ? renderTotp(entry)
        : renderSecret(entry);
  const el = h(
    'article',
    { class: `entry kind-${entry.kind}`, 'data-id': entry.id, 'aria-label': entry.name },
    h('h3', { text: entry.name }),
    h('p', { class: 'kind', text: kindLabel(entry.kind) }),
    facts.length
      ? h('dl', {}, ...facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]))
      : null,
    ...body,
  );
  return el;
}

// The first screenful is built at once; the rest follows in slices between frames, so a
// 1,000-entry vault (~37,000 elements) shows as fast as a small one and the page stays live.
const FIRST_ENTRIES = 30;
const SLICE = 150;

function showVaultView(doc, how = 'passphrase') {
  state.doc = doc;
  $('opened-by').hidden = how === 'passphrase';
  state.totps = [];
  state.query = '';
  const entries = sortEntries(doc.entries);
  const box = $('entries');
  delete box.dataset.complete;
  box.replaceChildren();
  appendEntries(entries.slice(0, FIRST_ENTRIES));
  $('vault-summary').textContent = vaultSummary(entries);
  $('search').value = '';
  $('search-count').textContent = '';
  showView('vault-view');
  requestAnimationFrame(() => performance.mark('rvault-shown')); // laid out, about to paint
  $('vault-title').focus();
  tick();
  touch();
  appendLater(doc, entries, FIRST_ENTRIES);
}

function appendEntries(entries) {
  const frag = document.createDocumentFragment();
  for (const entry of entries) {
    const el = renderEntry(entry);
    el.hidden = !entryMatches(entry, state.query);
    frag.append(el);
  }
  $('entries').append(frag);
}

function appendLater(doc, entries, from) {
  if (state.doc !== doc) return; // locked, or another vault opened, meanwhile
  if (from >= entries.length) {
    $('entries').dataset.complete = 'true';
    performance.mark('rvault-all-entries');
    tick(); // TOTP codes of the entries just added
    return;
  }
  setTimeout(() => {
    if (state.doc !== doc) return;
    appendEntries(entries.slice(from, from + SLICE));
    appendLater(doc, entries, from + SLICE);
  }, 0);
}

function filterEntries() {
  if (!state.doc) return;
  state.query = $('search').value;
  const shown = new Set(
    state.doc.entries.filter((e) => entryMatches(e, state.query)).map((e) => e.id),
  );
  for (const el of $('entries').children) el.hidden = !shown.has(el.dataset.id);
  $('search-count').textContent = state.query.trim()
    ? `${count(shown.size, 'entry', 'entries')} of ${state.doc.entries.length} shown.`
    : '';
}

/** Refresh the live TOTP codes; runs every second while unlocked. */
async function tick() {
  clearTimeout(state.tickTimer);
  if (!state.doc) return;
  if (state.ticking) {
    state.tickAgain = true; // one chain of timers only: the running tick goes round again
    return;
  }
  state.ticking = true;
  const now = Date.now() / 1000;
  for (const t of state.totps) {
    const counter = Math.floor(now / t.otp.period);
    t.left.textContent = `${secondsLeft(t.otp.period, now)} s left`;
    if (counter === t.counter) continue;
    t.counter = counter;
    try {
      const code = await totp(t.entry.secret, t.otp, now);
      t.code.textContent = groupDigits(code);
      state.copyValues.get(t.copy).text = code;
    } catch (err) {
      t.code.textContent = 'no code';
      t.left.textContent = 'the setup key is damaged; replace it in rvault';
    }
  }
  state.ticking = false;
  if (state.tickAgain) {
    state.tickAgain = false;
    tick();
    return;
  }
  if (state.doc) state.tickTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
}

async function copy(event) {
  const button = event.target.closest('button.copy');
  if (!button) return;
  const value = state.copyValues.get(button);
  if (!value || !value.text) return;
  let done = false;
  try {
    await navigator.clipboard.writeText(value.text);
    done = true;
  } catch {
    // file:// pages or older browsers without the async clipboard: copy a selection instead.
    const area = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
    area.value = value.text;
    document.body.append(area);
    area.select();
    done = document.execCommand('copy');
    area.remove();
    button.focus();
  }
  toast(done ? `Copied. ${value.note()}`.trim() : 'This browser did not allow copying: select the text instead.');
}

function toast(text) {
  const el = $('copy-status');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(state.toastTimer);
  state.toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

// ---- Lock ----------------------------------------------------------------------------------

function lock(reason) {
  clearTimeout(state.idleTimer);
  clearTimeout(state.tickTimer);
  state.doc = null;
  state.totps = [];
  state.copyValues = new WeakMap();
  $('entries').replaceChildren();
  $('vault-summary').textContent = '';
  $('search').value = '';
  $('copy-status').hidden = true;
  forgetRecoveryInput();
  showView('open-view');
  $('open-error').hidden = true;
  $('vault-source').textContent = reason;
  $('unlock-form').hidden = !state.bytes;
  if (state.bytes) $('passphrase').focus();
}

/** Any use of the page while unlocked restarts the idle countdown. */
function touch() {
  if (!state.doc) return;
  clearTimeout(state.idleTimer);
  state.idleTimer = setTimeout(
    () => lock(`Locked after ${IDLE_MINUTES} minutes without use. Type your passphrase to open it again.`),
    IDLE_MINUTES * 60 * 1000,
  );
}

async function unlockRebuilt(bytes) {
  showView('open-view');
  if (await useVault(bytes, 'The vault rebuilt from your paper kit.')) $('passphrase').focus();
}

// ---- Start ---------------------------------------------------------------------------------

async function start() {
  $('idle-minutes').textContent = String(IDLE_MINUTES);
  $('unlock-form').addEventListener('submit', unlock);
  $('show-passphrase').addEventListener('change', (e) => {
    $('passphrase').type = e.target.checked ? 'text' : 'password';
  });
  $('vault-file').addEventListener('change', pickFile);
  $('to-restore').addEventListener('click', () => {
    showView('restore-view');
    $('kit-photos').focus();
  });
  $('restore-back').addEventListener('click', () => {
    stopCamera();
    showView('open-view');
  });
  $('to-recover').addEventListener('click', showRecoverView);
  setupRestoreView({ unlock: unlockRebuilt });
  setupRecoverView({
    vault: () => ({ bytes: state.bytes, memoryKib: state.memoryKib }),
    opened: (doc) => showVaultView(doc, 'recovery'),
    sheetCodes: sheetCodesRead,
    forget: forgetSheetCodes,
  });
  $('lock').addEventListener('click', () => lock('Locked. Type your passphrase to open it again.'));
  $('search').addEventListener('input', filterEntries);
  $('entries').addEventListener('click', copy);
  for (const type of ['pointerdown', 'keydown', 'input', 'wheel', 'scroll']) {
    document.addEventListener(type, touch, { passive: true, capture: true });
  }
  const data = $('vault-data').textContent.trim();
  if (!data) {
    $('vault-source').textContent =
      'This page holds no vault. Open your vault file below, or rebuild it from the paper kit.';
  } else if (await useVault(base64ToBytes(data), 'This page holds your encrypted vault.')) {
    $('passphrase').focus();
  }
  document.body.dataset.ready = 'true';
}

start();
