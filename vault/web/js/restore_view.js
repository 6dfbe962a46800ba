// The restore view: the vault rebuilt from the paper kit, from photos or scans of its codes
// sheets, the live camera and typed lines, all counted together in one restore (typed.js
// keeps the CLI's rules). The camera stops as soon as enough codes are read.
import { $, MAX_PHOTO, h, photoReader } from './dom.js';
import { count } from './present.js';
import { checkTyped, photoNote } from './typed.js';
import { problemText } from './words.js';

const state = {
  restoreRun: 0, // bumps on every check, so a slow older check never overwrites a newer one
  restoreKey: '', // the lines, codes and kit last checked
  lastCheck: null, // the last checkTyped result
  rebuilt: null, // bytes rebuilt from the paper kit
  downloadUrl: '',
  scanned: new Set(), // kit codes read from photos and the camera (their texts)
  imagesRead: 0, // photos read, whatever they held
  sheetCodes: new Set(), // other QR codes read (recovery key or share sheets)
  photoRun: 0, // bumps when new photos are picked, so an older batch stops
  cameraRun: 0, // bumps when the camera stops
  stream: null,
  frameCanvas: null,
  unlock: null, // app.js: take rebuilt bytes as the vault to open
};

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

function unlockRebuilt() {
  if (!state.rebuilt) return;
  stopCamera();
  state.unlock(state.rebuilt);
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
  performance.mark('rvault-photos-picked'); // bench/web_photo.py: picked -> rebuilt
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
        // The codes in hand go along: the passes stop the moment the kit is complete (a
        // code painted over would otherwise take all nine).
        held: [...state.scanned],
        kitId: $('kit-select').value || null,
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
export function stopCamera(reason = '') {
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

/** QR codes read from the kit's photos that were not kit codes (a key or share sheet?). */
export function sheetCodesRead() {
  return [...state.sheetCodes];
}

/** Forget them (they may be a recovery key). */
export function forgetSheetCodes() {
  state.sheetCodes = new Set();
}

/** Wire the view's elements; unlock(bytes) takes a rebuilt vault to the passphrase. */
export function setupRestoreView({ unlock }) {
  state.unlock = unlock;
  $('kit-photos').addEventListener('change', readKitPhotos);
  $('camera-start').addEventListener('click', startCamera);
  $('camera-stop').addEventListener('click', () => stopCamera());
  $('kit-lines').addEventListener('input', (e) => checkLines(e.inputType === 'insertFromPaste'));
  $('kit-lines').addEventListener('blur', () => checkLines(true));
  $('check-lines').addEventListener('click', () => checkLines(true));
  $('kit-select').addEventListener('change', () => checkLines(true));
  $('unlock-restored').addEventListener('click', unlockRebuilt);
}
