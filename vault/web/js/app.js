// The page's UI: open the embedded vault (or a file, or one rebuilt from the paper kit's
// photos, camera frames or typed lines) with the passphrase, the recovery key or shares,
// show every entry, and lock again. Everything that is not DOM lives in present.js and in the
// core modules; this file only wires them to the elements of page.html.
//
// Rules kept here: the page reads and never writes the vault; nothing is stored (no
// localStorage, IndexedDB or cookies) and nothing is fetched; the decrypted document lives in
// one variable that Lock and the idle timer drop.

import { openVault, openVaultWithKey } from './open.js';
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
import { parsePrintedKey } from './printed_key.js';
import { PhotoReader } from './reader.js';
import { ShareSet, keyHelp, shareHelp, sortSheetCodes, splitShareText } from './recover.js';
import { checkTyped, photoNote } from './typed.js';
import { openErrorMessage, problemText, recoveryErrorMessage } from './words.js';

const $ = (id) => document.getElementById(id);
const VIEWS = ['open-view', 'restore-view', 'recover-view', 'vault-view'];
const MAX_FILE = 16 * 1024 * 1024; // the format's file cap, checked before reading a file
const MAX_PHOTO = 64 * 1024 * 1024; // as the CLI's image cap: a phone photo is a few MB

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
  restoreRun: 0, // bumps on every check, so a slow older check never overwrites a newer one
  restoreKey: '', // the lines (and kit) last checked
  rebuilt: null, // bytes rebuilt from the paper kit
  downloadUrl: '',
  lastCheck: null, // the last checkTyped result
  reader: null, // the PhotoReader, started on first use
  scanned: new Set(), // kit codes read from photos and the camera (their texts)
  imagesRead: 0, // photos read, whatever they held
  sheetCodes: new Set(), // other QR codes read (recovery key or share sheets)
  photoRun: 0, // bumps when new photos are picked, so an older batch stops
  cameraRun: 0, // bumps when the camera stops
  stream: null,
  frameCanvas: null,
  shares: new ShareSet(),
  openedBy: 'passphrase',
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
  state.openedBy = how;
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

// ---- Restore from typed paper ---------------------------------------------------------------

/** Check every line typed so far and every code read; the line still being typed is judged
 * once it is finished. Resolves to the result, or null if a newer check overtook this one. */
async function checkLines(final) {
  const text = $('kit-lines').value;
  const lines = text.split(/\r?\n/);
  if (!final && !text.endsWith('\n')) lines.pop();
  const kit = $('kit-select').value || null;
  const key = `${kit}\n${state.scanned.size}\n${state.imagesRead}\n${lines.join('\n')}`;
  if (key === state.restoreKey) return state.lastCheck; // only the line being typed changed
  state.restoreKey = key;
  const run = ++state.restoreRun;
  const result = await checkTyped(lines, kit, [...state.scanned], state.imagesRead);
  if (run !== state.restoreRun) return null; // a newer check started meanwhile
  state.lastCheck = result;
  $('restore-problems').replaceChildren(...result.problems.map((m) => h('li', { text: m })));
  $('restore-notes').replaceChildren(...result.notes.map((m) => h('li', { text: m })));
  $('restore-status').textContent = result.status;
  showKitChoice(result.kits);
  showTicks(result.codes, Boolean(result.bytes));
  setRebuilt(result.bytes, result.status);
  if (result.bytes) performance.mark('rvault-rebuilt'); // bench/web_photo.py
  return result;
}

/** The kit's codes, each ticked once read. */
function showTicks(codes, done) {
  $('code-ticks').hidden = !codes || state.scanned.size === 0;
  if (!codes) return;
  const read = new Set(codes.read);
  const items = [];
  for (let i = 0; i < codes.n; i++) {
    items.push(h('li', { class: read.has(i) ? 'read' : false, text: String(i + 1) }));
  }
  $('code-list').replaceChildren(...items);
  $('code-ticks-text').textContent = done
    ? `Codes read: ${codes.read.length} of ${codes.n}. That is enough (${codes.k} needed).`
    : `Codes read: ${codes.read.length} of ${codes.n}; ${codes.k} needed, any of them.`;
}

function showKitChoice(kits) {
  const box = $('kit-choice');
  if (!kits.length) {
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

async function unlockRebuilt() {
  if (!state.rebuilt) return;
  stopCamera();
  showView('open-view');
  if (await useVault(state.rebuilt, 'The vault rebuilt from your paper kit.')) {
    $('passphrase').focus();
  }
}

// ---- Photos and the camera -----------------------------------------------------------------

function base64Text(id) {
  return base64ToBytes($(id).textContent);
}

/** The QR reader, started the first time photos or the camera are used. */
function photoReader() {
  if (!state.reader) state.reader = new PhotoReader($('qr-worker').textContent, base64Text('qr-wasm'));
  return state.reader;
}

/** Keep what one image held; true if it added a kit code not read before. */
function keepCodes(result) {
  const before = state.scanned.size;
  for (const text of result.texts) state.scanned.add(text);
  for (const text of result.others) state.sheetCodes.add(text);
  return state.scanned.size > before;
}

function scanProgress(text) {
  $('scan-progress').hidden = !text;
  $('scan-progress-text').textContent = text || '';
}

function scanNote(text) {
  $('scan-results').append(h('li', { text }));
}

/** Read the photos picked, one at a time, until the kit is rebuilt. */
async function readKitPhotos() {
  const input = $('kit-photos');
  const files = [...input.files];
  input.value = ''; // the same photos may be picked again
  if (!files.length) return;
  const run = ++state.photoRun;
  let reader;
  try {
    reader = photoReader();
    scanProgress('Starting the QR code reader…');
    await reader.start();
  } catch (err) {
    scanProgress('');
    scanNote(`${problemText(err)} Type the kit's lines instead.`);
    return;
  }
  for (const [i, file] of files.entries()) {
    if (run !== state.photoRun) return;
    const which = files.length > 1 ? `photo ${i + 1} of ${files.length}` : 'the photo';
    if (file.size > MAX_PHOTO) {
      scanNote(`${file.name}: larger than a photo can be here (64 MiB); it was not read.`);
      continue;
    }
    scanProgress(`Reading ${which} (${file.name})…`);
    let result;
    try {
      result = await reader.decode(file, {
        onPass: (m) => {
          if (run === state.photoRun) {
            scanProgress(`Reading ${which} (${file.name}): look ${m.pass}, ${count(m.read, 'code', 'codes')} found so far…`);
          }
        },
      });
    } catch (err) {
      if (err.name === 'Stopped') return;
      scanNote(`${file.name}: ${problemText(err)}`);
      continue;
    }
    state.imagesRead += 1;
    scanNote(photoNote(file.name, result));
    if (keepCodes(result)) {
      const check = await checkLines(true);
      if (check && check.bytes) {
        const left = files.length - i - 1;
        if (left) scanNote(`That is enough codes: the other ${count(left, 'photo was', 'photos were')} not needed.`);
        break;
      }
    } else {
      await checkLines(true);
    }
  }
  if (run === state.photoRun) scanProgress('');
}

function nextVideoFrame(video) {
  return new Promise((resolve) => {
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => resolve());
    else requestAnimationFrame(() => resolve());
  });
}

/** The video's current picture as pixels, at most 1920 pixels on its long side. */
function grabFrame(video) {
  const w = video.videoWidth;
  const hgt = video.videoHeight;
  if (!w || !hgt) return null;
  const scale = Math.min(1, 1920 / Math.max(w, hgt));
  const cw = Math.round(w * scale);
  const ch = Math.round(hgt * scale);
  if (!state.frameCanvas) state.frameCanvas = document.createElement('canvas');
  const canvas = state.frameCanvas;
  if (canvas.width !== cw || canvas.height !== ch) {
    canvas.width = cw;
    canvas.height = ch;
  }
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, cw, ch);
  return ctx.getImageData(0, 0, cw, ch);
}

async function startCamera() {
  stopCamera();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    scanNote(
      'This browser does not let this page use the camera (it allows it only for pages opened ' +
        'from a file or over https). Take photos of the sheets and choose them above instead.',
    );
    return;
  }
  const run = state.cameraRun;
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: 'environment', width: { ideal: 1920 }, height: { ideal: 1920 } },
    });
  } catch (err) {
    scanNote(
      err && err.name === 'NotAllowedError'
        ? 'The camera was not allowed. Allow it for this page, or take photos and choose them above.'
        : 'No camera could be started. Take photos of the sheets and choose them above instead.',
    );
    return;
  }
  if (run !== state.cameraRun) {
    stream.getTracks().forEach((t) => t.stop());
    return;
  }
  state.stream = stream;
  const video = $('camera-video');
  video.srcObject = stream;
  $('camera').hidden = false;
  $('camera-start').hidden = true;
  let reader;
  try {
    await video.play();
    reader = photoReader();
    await reader.start();
  } catch (err) {
    stopCamera(`${problemText(err)} Take photos of the sheets and choose them above instead.`);
    return;
  }
  const before = state.scanned.size;
  scanProgress('The camera is on: show it the codes sheets, one at a time.');
  while (run === state.cameraRun) {
    await nextVideoFrame(video);
    if (run !== state.cameraRun) break;
    const frame = grabFrame(video);
    if (!frame) continue;
    let result;
    try {
      // One or two looks a frame: the next frame is another chance, and the picture moves.
      result = await reader.decode(frame, { maxPasses: 2 });
    } catch (err) {
      if (err.name !== 'Stopped') stopCamera(problemText(err));
      break;
    }
    if (run !== state.cameraRun || !keepCodes(result)) continue;
    scanProgress(`The camera is on: ${count(state.scanned.size - before, 'new code', 'new codes')} read. Show it the next sheet.`);
    const check = await checkLines(true);
    if (check && check.bytes) {
      stopCamera('That is enough codes: the camera is off.');
      break;
    }
  }
}

/** Turn the camera off (its light goes out) and say why, if a reason is given. */
function stopCamera(reason = '') {
  state.cameraRun += 1;
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  const was = Boolean(state.stream);
  state.stream = null;
  $('camera-video').srcObject = null;
  $('camera').hidden = true;
  $('camera-start').hidden = false;
  if (was) scanProgress('');
  if (reason) scanNote(reason);
}

// ---- Forgotten passphrase: the recovery key or shares ----------------------------------------

async function showRecoverView() {
  $('recover-error').hidden = true;
  $('recover-source').textContent = state.bytes
    ? 'Your vault is here, still locked. Open it with the recovery key or the shares below.'
    : 'This needs your vault first: go Back and open the vault file, or rebuild the vault ' +
      'from the paper kit; then come back here.';
  showView('recover-view');
  $('recovery-key').focus();
  // Sheets photographed along with the kit: their codes are used without asking again.
  if (state.sheetCodes.size) {
    const note = (text) => $('sheet-results').append(h('li', { text }));
    await takeSheetCodes('the photos of the kit', [...state.sheetCodes], note);
  }
}

function recoverError(text) {
  $('recover-error').textContent = text;
  $('recover-error').hidden = !text;
}

/** Drop every typed or read key and share (after opening, on Lock, on Back). */
function forgetRecoveryInput() {
  $('recovery-key').value = '';
  $('share-words').value = '';
  $('share-passphrase').value = '';
  state.shares = new ShareSet();
  state.sheetCodes = new Set();
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
  if (!state.bytes) {
    recoverError('Open the vault file or rebuild the vault from the kit first (Back).');
    return;
  }
  recoverError('');
  $('recover-progress-text').textContent = 'Opening the vault…';
  $('recover-progress').hidden = false;
  await nextPaint();
  try {
    const { doc } = await openVaultWithKey(state.bytes, key);
    forgetRecoveryInput();
    showVaultView(doc, 'recovery');
  } catch (err) {
    recoverError(recoveryErrorMessage(err, state.memoryKib));
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
  $('kit-photos').addEventListener('change', readKitPhotos);
  $('camera-start').addEventListener('click', startCamera);
  $('camera-stop').addEventListener('click', () => stopCamera());
  $('to-recover').addEventListener('click', showRecoverView);
  $('recover-back').addEventListener('click', () => {
    forgetRecoveryInput();
    showView('open-view');
  });
  $('recovery-key').addEventListener('input', updateKeyHelp);
  $('key-form').addEventListener('submit', submitKey);
  $('share-words').addEventListener('input', updateShareHelp);
  $('share-form').addEventListener('submit', submitShare);
  $('shares-open').addEventListener('click', openWithShares);
  $('sheet-photos').addEventListener('change', readSheetPhotos);
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
