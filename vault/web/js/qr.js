// Reading rvault's QR codes in the browser: zxing-wasm (zxing-cpp, the library the CLI reads
// codes with, compiled to WebAssembly; vendored in ../vendor/zxing-wasm) and the CLI's idea
// of passes (vault/paper/passes.py): read the image as it is first, and only while codes of
// a sheet are still missing, read it again prepared another way. Every rvault code says which
// code of how many it is, so once one code is read the sheet's size is known and the passes
// stop as soon as all of it is read. A page with nothing that looks like a QR code (a cover,
// a text page) gets only the first few passes.
//
// The vendored glue is a classic script defining globalThis.ZXingWASM; it is handed to
// createReader, with the wasm bytes the page carries, so nothing here reads a global.
import { hex } from "./bytes.js";
import { InvalidData } from "./errors.js";
import { TAG, parseFrameText } from "./frames.js";
import { PREPARE, encodedBytes, grayOf, toPixels } from "./qr_image.js";

const CODES_PER_PAGE = 6; // vault/paper/layout.py: 2 columns x 3 rows
// As in vault/paper/passes.py: of the hard pages measured, every one had a detection by the
// third pass; covers, index and text pages never had one.
export const BLIND_PASSES = 4;

// --- the reader ------------------------------------------------------------------------------

// A reader over the vendored zxing-wasm: zxing is the ZXingWASM namespace, wasm the bytes of
// zxing_reader.wasm (checked against the SHA-256 the glue was built with) or a
// WebAssembly.Module compiled from them. The glue would download its wasm from a CDN unless
// told otherwise: instantiateWasm hands it ours, and locateFile gives it no URL to fetch.
export async function createReader(zxing, wasm) {
  if (!zxing || typeof zxing.prepareZXingModule !== "function") {
    throw new Error("the QR reader is missing from this page");
  }
  let compiled = wasm;
  if (!(compiled instanceof WebAssembly.Module)) {
    const bytes = compiled instanceof Uint8Array ? compiled : new Uint8Array(compiled);
    const digest = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
    if (digest !== zxing.ZXING_WASM_SHA256) throw new Error("the QR reader in this page is damaged");
    compiled = await WebAssembly.compile(bytes);
  }
  let failed;
  const failure = new Promise((_, reject) => (failed = reject));
  const overrides = {
    locateFile: (name) => name,
    instantiateWasm(imports, done) {
      WebAssembly.instantiate(compiled, imports).then(done, failed);
      return {};
    },
  };
  const module = await Promise.race([zxing.prepareZXingModule({ overrides, fireImmediately: true }), failure]);
  return new QrReader(zxing, module);
}

export class QrReader {
  constructor(zxing, module) {
    this.zxing = zxing;
    this.module = module;
  }

  // zxing-cpp's reader options, QR codes only, with the failed detections too (they say
  // "a code is here"); the rest are zxing-wasm's defaults, which are zxing-cpp's.
  options(binarizer) {
    const z = this.zxing;
    const base = z.defaultReaderOptions;
    return {
      ...base,
      formats: z.encodeFormats(["QRCode"]),
      binarizer: z.BINARIZERS.indexOf(binarizer),
      eanAddOnSymbol: z.EAN_ADD_ON_SYMBOLS.indexOf(base.eanAddOnSymbol),
      textMode: z.TEXT_MODES.indexOf(base.textMode),
      characterSet: z.CHARACTER_SETS.indexOf(base.characterSet),
      returnErrors: true,
    };
  }

  // zxing-cpp's results for grey pixels {gray, width, height} or encoded PNG/JPEG bytes.
  // The module's own entry points take grey directly: zxing-wasm's readBarcodes would want
  // RGBA, and turning grey into RGBA and back costs more than a plain page's reading.
  read(image, binarizer = "LocalAverage") {
    const m = this.module;
    const bytes = image.gray ?? image;
    const at = m._malloc(bytes.length);
    if (!at) throw new InvalidData("this browser has too little memory to read the image");
    let found;
    try {
      m.HEAPU8.set(bytes, at);
      const options = this.options(binarizer);
      found = image.gray
        ? m.readBarcodesFromPixmap(at, image.width, image.height, options)
        : m.readBarcodesFromImage(at, bytes.length, options);
    } finally {
      m._free(at);
    }
    try {
      return Array.from({ length: found.size() }, (_, i) => found.get(i));
    } finally {
      found.delete();
    }
  }

  // Every pass over one image until its codes are all read; see decodeImage.
  async decode(image, options = {}) {
    return decodeImage(this, image, options);
  }
}

// --- what one image held -----------------------------------------------------------------

export function isRvaultText(text) {
  return text.slice(0, TAG.length).toUpperCase() === TAG;
}

// What the passes have read so far (vault/paper/passes.py's ImageReading).
class Reading {
  constructor() {
    this.texts = new Map(); // rvault text -> [centre x, centre y, size] in the image's pixels
    this.others = new Set(); // QR codes that are not rvault codes (a printed key, a share)
    this.sheets = new Map(); // kitKey + sheet -> how many codes that sheet holds
    this.perSheet = new Map(); // kitKey + sheet -> indexes read
    this.detected = false; // anything that looked like a QR code, read or not
    this.newPerPass = [];
  }

  async add(text, where) {
    if (!isRvaultText(text)) {
      this.others.add(text);
      return;
    }
    if (this.texts.has(text)) return;
    this.texts.set(text, where);
    let frame;
    try {
      frame = await parseFrameText(text);
    } catch (err) {
      if (!(err instanceof InvalidData)) throw err;
      return; // damaged or foreign: the caller reports it, but it sets no goal
    }
    const sheet = Math.floor(frame.index / CODES_PER_PAGE) + 1;
    const key = `${frame.kitKey}/${sheet}`;
    this.sheets.set(key, Math.min(CODES_PER_PAGE, frame.n - CODES_PER_PAGE * (sheet - 1)));
    if (!this.perSheet.has(key)) this.perSheet.set(key, new Set());
    this.perSheet.get(key).add(frame.index);
  }

  complete(expect) {
    if (expect != null) return this.texts.size >= expect;
    if (this.sheets.size === 0) return false;
    for (const [key, count] of this.sheets) if (this.perSheet.get(key).size < count) return false;
    return true;
  }
}

// A code's centre and size, in the pixels of the image before any scaling.
function where(position, scale) {
  const corners = [position.topLeft, position.topRight, position.bottomRight, position.bottomLeft];
  const xs = corners.map((p) => p.x / scale);
  const ys = corners.map((p) => p.y / scale);
  const size = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1);
  return [xs.reduce((a, b) => a + b) / 4, ys.reduce((a, b) => a + b) / 4, size];
}

// Texts by the position of their codes: rows top to bottom, then left to right. A row is
// every code within half a code's size of its first, as a skewed scan tilts rows.
export function readingOrder(found) {
  const byY = [...found].sort((a, b) => a[1][1] - b[1][1]);
  const rows = [];
  for (const item of byY) {
    const row = rows[rows.length - 1];
    if (row && item[1][1] - row[0][1][1] <= row[0][1][2] / 2) row.push(item);
    else rows.push([item]);
  }
  return rows.flatMap((row) => row.sort((a, b) => a[1][0] - b[1][0]).map(([text]) => text));
}

// --- the passes ----------------------------------------------------------------------------

// [name, binarizer], cheapest and most useful first: vault/paper/passes.py's passes, in its
// order, each of which read codes no earlier pass read on some hard page
// (docs/BENCHMARKS.md). The name says how the grey image is prepared (qr_image.js's
// PREPARE, the same pixels as the CLI's).
export const PASSES = [
  ["plain", "LocalAverage"],
  // Reads faint or evenly blurred pages the local threshold misses silently; costs little.
  ["plain", "GlobalHistogram"],
  ["sharpened", "LocalAverage"],
  ["smoothed", "LocalAverage"],
  ["smoothed more", "LocalAverage"],
  ["finely sharpened", "LocalAverage"],
  ["flattened", "LocalAverage"],
  ["upscaled x1.5 and sharpened", "LocalAverage"],
  ["upscaled x2", "LocalAverage"],
];

// The rvault codes in one image. image: an ImageData-like {data, width, height} with 4 (RGBA)
// or 1 (grey) bytes a pixel, or a Blob/File/ArrayBuffer/Uint8Array holding a PNG or JPEG.
// options: expect (stop once that many rvault codes are read), maxPasses (a camera frame
// wants one or two), stop() (asked between passes: true gives up), onPass({pass, name,
// read}) after each pass, enough(texts) (async: true once the codes read so far are
// enough, asked after each pass that read an rvault code). Resolves to {texts (in reading order), others (the other QR
// texts), passes (how many ran), detected (anything QR-like seen), newPerPass}.
export async function decodeImage(reader, image, options = {}) {
  const { expect = null, maxPasses = PASSES.length, stop = null, onPass = null, enough = null } = options;
  const pixels = await toPixels(image);
  // Without a canvas (Node, an old browser's worker) an encoded image is read as it is,
  // by zxing-cpp's own decoder, with the passes that need no pixels.
  const gray = pixels ? grayOf(pixels) : null;
  const encoded = pixels ? null : await encodedBytes(image);
  const passes = pixels ? PASSES : PASSES.filter(([name]) => name === "plain");
  const found = new Reading();
  for (const [number, [name, binarizer]] of passes.entries()) {
    if (number >= maxPasses || found.complete(expect) || (stop && stop())) break;
    // As the CLI's restore: the moment the codes in hand complete the kit, no further pass.
    if (enough && found.texts.size && (await enough([...found.texts.keys()]))) break;
    if (number >= BLIND_PASSES && !found.detected && expect == null) break;
    const prepared = gray ? PREPARE[name](gray) : encoded;
    if (!prepared) continue; // the pass does not apply to an image of this size
    const before = found.texts.size;
    for (const code of reader.read(prepared, binarizer)) {
      found.detected = true;
      if (code.isValid) await found.add(code.text, where(code.position, prepared.scale ?? 1));
    }
    found.newPerPass.push(found.texts.size - before);
    if (onPass) onPass({ pass: number + 1, name, read: found.texts.size });
    // Between passes, a worker takes its messages (a cancel) and a page repaints.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return {
    texts: readingOrder(found.texts),
    others: [...found.others],
    passes: found.newPerPass.length,
    detected: found.detected,
    newPerPass: found.newPerPass,
  };
}
