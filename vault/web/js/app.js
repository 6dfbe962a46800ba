// The page's UI: open the embedded vault (or a file, or one rebuilt from typed paper lines),
// show every entry, and lock again. Everything that is not DOM lives in present.js and in the
// core modules; this file only wires them to the elements of page.html.
//
// Rules kept here: the page reads and never writes the vault; nothing is stored (no
// localStorage, IndexedDB or cookies) and nothing is fetched; the decrypted document lives in
// one variable that Lock and the idle timer drop.

import { openVault } from './open.js';
import { parseContainer } from './container.js';
import { RestoreSession } from './restore.js';
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
import { restoreMessage, openErrorMessage } from './words.js';

const $ = (id) => document.getElementById(id);
const VIEWS = ['open-view', 'restore-view', 'vault-view'];
const MAX_FILE = 16 * 1024 * 1024; // the format's file cap, checked before reading a file

const state = {
  bytes: null, // the encrypted vault to open (Uint8Array)
  memoryKib: 0, // its Argon2 memory, for the out-of-memory message
  doc: null, // the decrypted document while unlocked
  totps: [], // {entry, code, left, counter} for the live codes
  copyValues: new WeakMap(), // copy button -> text it copies
  idleTimer: 0,
  tickTimer: 0,
  toastTimer: 0,
  restoreRun: 0, // bumps on every check, so a slow older check never overwrites a newer one
  rebuilt: null, // bytes rebuilt from typed lines
  downloadUrl: '',
};

/** Build an element: h('p', {class: 'x'}, 'text', child). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) el.append(c);
  return el;
}

function showView(id) {
  for (const v of VIEWS) $(v).hidden = v !== id;
  document.body.dataset.view = id;
}

/** Let the browser paint (the message, the moving bar) before a long synchronous step. */
function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function base64ToBytes(text) {
  const bin = atob(text.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// ---- Open ----------------------------------------------------------------------------------

/** Take bytes as the vault to open, saying where they came from; false if they cannot be. */
function useVault(bytes, where) {
  state.bytes = null;
  $('open-error').hidden = true;
  let container;
  try {
    container = parseContainer(bytes);
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
    const doc = await openVault(state.bytes, field.value, {
      onProgress: (step) => {
        if (step && step.message) $('progress-text').textContent = step.message;
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
  if (useVault(bytes, `Vault file “${file.name}”.`)) $('passphrase').focus();
}

// ---- See -----------------------------------------------------------------------------------

function copyButton(text, label, note) {
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
    const state = c.used
      ? `used ${c.used_at ? c.used_at.slice(0, 10) : ''}`.trim()
      : i === next
        ? 'use this one next'
        : '';
    const note = `Once you have used it, mark it later: ${markUsedCommand(entry.name, n)}`;
    list.append(
      h(
        'li',
        { class: cls || false, 'data-n': String(n) },
        h('span', { class: 'num', text: `${n}.` }),
        h('span', { class: 'code', text: c.code }),
        state ? h('span', { class: 'state', text: state }) : null,
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
      copyButton(text, `Copy the ${kindLabel(entry.kind).toLowerCase()} of ${entry.name}`, ''),
    ),
  ];
}

function renderTotp(entry) {
  const otp = otpSettings(entry);
  const code = h('span', { class: 'totp-code', 'aria-live': 'off', text: '······' });
  const left = h('span', { class: 'totp-left' });
  const copy = copyButton('', `Copy the current code of ${entry.name}`, '');
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
        copyButton(entry.secret, `Copy the setup key of ${entry.name}`, ''),
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

function showVaultView(doc) {
  state.doc = doc;
  state.totps = [];
  const entries = sortEntries(doc.entries);
  const box = $('entries');
  const frag = document.createDocumentFragment();
  for (const entry of entries) frag.append(renderEntry(entry));
  box.replaceChildren(frag);
  $('vault-summary').textContent = vaultSummary(entries);
  $('search').value = '';
  $('search-count').textContent = '';
  showView('vault-view');
  requestAnimationFrame(() => performance.mark('rvault-shown')); // laid out, about to paint
  $('vault-title').focus();
  tick();
  touch();
}

function filterEntries() {
  if (!state.doc) return;
  const q = $('search').value;
  const byId = new Map(state.doc.entries.map((e) => [e.id, e]));
  let shown = 0;
  for (const el of $('entries').children) {
    const ok = entryMatches(byId.get(el.dataset.id), q);
    el.hidden = !ok;
    shown += ok;
  }
  $('search-count').textContent = q.trim()
    ? `${count(shown, 'entry', 'entries')} of ${state.doc.entries.length} shown.`
    : '';
}

/** Refresh the live TOTP codes; runs every second while unlocked. */
async function tick() {
  clearTimeout(state.tickTimer);
  if (!state.doc) return;
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
  state.tickTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
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
  toast(done ? `Copied. ${value.note}`.trim() : 'This browser did not allow copying: select the text instead.');
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

// ---- Restore from typed paper ---------------------------------------------------------------

/** Check every line typed so far; the line still being typed is judged once it is finished. */
async function checkLines(final) {
  const run = ++state.restoreRun;
  const text = $('kit-lines').value;
  const lines = text.split(/\r?\n/);
  if (!final && !text.endsWith('\n')) lines.pop();
  const session = new RestoreSession();
  const problems = new Map(); // label -> message (a later good retype clears it)
  const others = [];
  for (const raw of lines) {
    if (!raw.trim()) continue;
    const result = await session.addTypedLine(raw);
    if (run !== state.restoreRun) return;
    if (result.ok) {
      if (result.label) problems.delete(result.label);
    } else if (result.label) {
      if (!problems.has(result.label)) problems.set(result.label, result.message);
    } else {
      others.push(`“${raw.trim().slice(0, 24)}…”: ${result.message}`);
    }
  }
  const view = await restoreMessage(session, $('kit-select').value || undefined);
  if (run !== state.restoreRun) return;
  $('restore-problems').replaceChildren(
    ...[...problems.values(), ...others, ...view.problems].map((m) => h('li', { text: m })),
  );
  $('restore-status').textContent = view.status;
  showKitChoice(view.kits);
  setRebuilt(view.bytes, view.done);
}

function showKitChoice(kits) {
  const box = $('kit-choice');
  if (!kits || kits.length < 2) {
    box.hidden = true;
    return;
  }
  const select = $('kit-select');
  const chosen = select.value;
  select.replaceChildren(
    h('option', { value: '', text: 'Choose a kit' }),
    ...kits.map((k) => h('option', { value: k.id, text: k.label })),
  );
  select.value = kits.some((k) => k.id === chosen) ? chosen : '';
  $('kit-choice-text').textContent =
    'Lines of more than one kit were typed. They are never mixed: choose the kit to rebuild.';
  box.hidden = false;
}

function setRebuilt(bytes, text) {
  if (state.downloadUrl) URL.revokeObjectURL(state.downloadUrl);
  state.downloadUrl = '';
  state.rebuilt = bytes || null;
  $('restore-done').hidden = !bytes;
  if (!bytes) return;
  state.downloadUrl = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  $('download').href = state.downloadUrl;
  $('restore-done-text').textContent = text;
}

function unlockRebuilt() {
  if (!state.rebuilt) return;
  showView('open-view');
  if (useVault(state.rebuilt, 'The vault rebuilt from your paper kit.')) $('passphrase').focus();
}

// ---- Start ---------------------------------------------------------------------------------

function start() {
  $('idle-minutes').textContent = String(IDLE_MINUTES);
  const data = $('vault-data').textContent.trim();
  if (data) {
    if (useVault(base64ToBytes(data), 'This page holds your encrypted vault.')) {
      $('passphrase').focus();
    }
  } else {
    $('vault-source').textContent =
      'This page holds no vault. Open your vault file below, or rebuild it from the paper kit.';
  }
  $('unlock-form').addEventListener('submit', unlock);
  $('show-passphrase').addEventListener('change', (e) => {
    $('passphrase').type = e.target.checked ? 'text' : 'password';
  });
  $('vault-file').addEventListener('change', pickFile);
  $('to-restore').addEventListener('click', () => {
    showView('restore-view');
    $('kit-lines').focus();
  });
  $('restore-back').addEventListener('click', () => showView('open-view'));
  $('kit-lines').addEventListener('input', (e) => checkLines(e.inputType === 'insertFromPaste'));
  $('kit-lines').addEventListener('blur', () => checkLines(true));
  $('check-lines').addEventListener('click', () => checkLines(true));
  $('kit-select').addEventListener('change', () => checkLines(true));
  $('unlock-restored').addEventListener('click', unlockRebuilt);
  $('lock').addEventListener('click', () => lock('Locked. Type your passphrase to open it again.'));
  $('search').addEventListener('input', filterEntries);
  $('entries').addEventListener('click', copy);
  for (const type of ['pointerdown', 'keydown', 'input', 'wheel', 'scroll']) {
    document.addEventListener(type, touch, { passive: true, capture: true });
  }
  document.body.dataset.ready = 'true';
}

start();
