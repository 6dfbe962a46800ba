// Images for the QR reader (qr.js): pixels out of a picked photo or scan, grey levels, and
// the ways a pass prepares them, as vault/paper/passes.py does with PIL (whose filters
// qr_pil.js ports). Plain loops over typed arrays: a 300 dpi page is 8.7 million pixels, and
// each filter is a few sweeps over them, tens of milliseconds.
import { InvalidData } from "./errors.js";
import { boxBlur, gaussianBlur, maxFilter, reduce, resize, unsharpMask } from "./qr_pil.js";

// The CLI refuses images over 100 megapixels (vault/paper/pages.py); so does the page.
export const MAX_PIXELS = 100_000_000;
// A browser holds an image's pixels several times over while reading it (RGBA, grey, a
// prepared copy, the copy inside the wasm): larger photos (48 MP phones) are scaled to this
// when decoded, which keeps a kit's modules far above the 2-3 pixels zxing-cpp needs.
export const WORK_PIXELS = 24_000_000;
// Upscaling helps modules of 2-4 pixels (a camera frame, a low-dpi scan); an image already
// this large has bigger ones. Half the CLI's cap: a browser tab has less memory to spare.
const MAX_UPSCALED_PIXELS = 25_000_000;

function checkSize(width, height, subject) {
  if (!(width > 0 && height > 0)) throw new InvalidData(`${subject} is empty`);
  if (width * height > MAX_PIXELS) {
    throw new InvalidData(`${subject} is larger than ${MAX_PIXELS / 1_000_000} megapixels`);
  }
}

// Why a browser could not decode a file, in the CLI's words where it has some
// (vault/paper/scan.py): a kit's PDF and an iPhone's HEIC photo are the likely mistakes.
async function unreadable(blob, subject) {
  const head = new Uint8Array(await blob.slice(0, 1024).arrayBuffer());
  const text = new TextDecoder("latin1").decode(head);
  if (text.includes("%PDF-")) {
    return new InvalidData(`${subject} is a PDF, which this page cannot read`, "give photos or scans of the codes sheets (PNG or JPEG), or use rvault restore");
  }
  if (["ftypheic", "ftypheix", "ftypmif1", "ftyphevc"].includes(text.slice(4, 12))) {
    return new InvalidData(`${subject} is a HEIC photo, which this browser cannot read`, "export or convert the photo to JPEG or PNG");
  }
  return new InvalidData(`${subject} is not an image this browser can read`, "give PNG or JPEG files");
}

// {data, width, height} (RGBA, or grey with one byte a pixel) from what qr.js's decodeImage
// takes, or null for encoded bytes where no canvas can decode them (Node; then zxing-cpp's
// own decoder reads the PNG or JPEG).
export async function toPixels(image) {
  if (image && "data" in image && "width" in image && "height" in image) {
    checkSize(image.width, image.height, "the image");
    const perPixel = image.data.length / (image.width * image.height);
    if (perPixel !== 4 && perPixel !== 1) throw new InvalidData("the image's pixels are neither RGBA nor grey");
    return image;
  }
  if (typeof createImageBitmap !== "function" || typeof OffscreenCanvas !== "function") return null;
  const blob = image instanceof Blob ? image : new Blob([image]);
  const subject = typeof image.name === "string" && image.name ? image.name : "the file";
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw await unreadable(blob, subject);
  }
  try {
    checkSize(bitmap.width, bitmap.height, subject);
    const shrink = Math.min(1, Math.sqrt(WORK_PIXELS / (bitmap.width * bitmap.height)));
    const width = Math.max(1, Math.round(bitmap.width * shrink));
    const height = Math.max(1, Math.round(bitmap.height * shrink));
    const context = new OffscreenCanvas(width, height).getContext("2d", { willReadFrequently: true });
    // Transparent pixels would read as black: a code is read as it would print, on white.
    context.fillStyle = "#fff";
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    return context.getImageData(0, 0, width, height);
  } finally {
    bitmap.close();
  }
}

// The bytes of an encoded image, for zxing-cpp's own decoder.
export async function encodedBytes(image) {
  if (image instanceof Uint8Array) return image;
  if (image instanceof ArrayBuffer) return new Uint8Array(image);
  if (typeof Blob === "function" && image instanceof Blob) return new Uint8Array(await image.arrayBuffer());
  throw new InvalidData("not an image: give PNG or JPEG files");
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const clamp = (v, hi) => (v < 0 ? 0 : v > hi ? hi : v);

// {gray, width, height} with zxing-wasm's own weights for RGBA, so the page reads what
// zxing-wasm's readBarcodes would read from the same ImageData. One 32-bit read a pixel
// where the bytes allow it: twice as fast as four byte reads.
export function grayOf({ data, width, height }) {
  if (data.length === width * height) return { gray: data, width, height };
  const gray = new Uint8Array(width * height);
  if (LITTLE_ENDIAN && data.byteOffset % 4 === 0) {
    const words = new Uint32Array(data.buffer, data.byteOffset, gray.length);
    for (let i = 0; i < gray.length; i += 1) {
      const v = words[i];
      gray[i] = (306 * (v & 255) + 601 * ((v >>> 8) & 255) + 117 * ((v >>> 16) & 255) + 512) >> 10;
    }
  } else {
    for (let i = 0, j = 0; i < gray.length; i += 1, j += 4) {
      gray[i] = (306 * data[j] + 601 * data[j + 1] + 117 * data[j + 2] + 512) >> 10;
    }
  }
  return { gray, width, height };
}

// Unsharp masking, 200%, no threshold: undoes some of the blur of a page out of focus.
function sharpen({ gray, width, height, scale }, radius) {
  return { gray: unsharpMask(gray, width, height, radius), width, height, scale };
}

// passes.py's tables for a / b over bytes: log(v + 1) scaled to 0..255, and back, with
// log-ratio 0 (paper white) at 200. Steps of about 2% in the ratio are far finer than the
// black/white decision needs.
const LOG_SCALE = 255 / Math.log(256);
const RATIO_ZERO = 200;
const LOG = Uint8Array.from({ length: 256 }, (_, v) => Math.round(LOG_SCALE * Math.log1p(v)));
const EXP = Uint8Array.from({ length: 256 }, (_, d) =>
  Math.min(255, Math.round(255 * Math.exp((d - RATIO_ZERO) / LOG_SCALE))),
);

// The page divided by an estimate of its paper white (passes.py's _flatten): shadows and
// light fall-off removed. Paper white, locally: the brightest pixel within ~3 modules (a
// code has no larger black area save its finder squares), smoothed over a wide area, at a
// quarter of the size.
function flatten({ gray, width, height }) {
  const step = Math.min(width, height) >= 800 ? 4 : 1;
  const [sw, sh] = [Math.ceil(width / step), Math.ceil(height / step)];
  const small = step > 1 ? reduce(gray, width, height, step) : gray;
  let paper = maxFilter(small, sw, sh, 2);
  paper = gaussianBlur(paper, sw, sh, Math.max(width, height) / 160 / step);
  paper = resize(paper, sw, sh, width, height, "bilinear");
  const out = new Uint8Array(gray.length);
  for (let i = 0; i < gray.length; i += 1) out[i] = EXP[clamp(LOG[gray[i]] - LOG[paper[i]] + RATIO_ZERO, 255)];
  return { gray: out, width, height };
}

// Python's round(): halves to even, for sizes to agree with the CLI's.
function roundHalfEven(v) {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// The image `factor` times larger (bicubic), capped at MAX_UPSCALED_PIXELS; null when the
// cap leaves less than 1.2 times.
function upscaled({ gray, width, height }, factor) {
  factor = Math.min(factor, Math.sqrt(MAX_UPSCALED_PIXELS / (width * height)));
  if (factor < 1.2) return null;
  const [w, h] = [roundHalfEven(width * factor), roundHalfEven(height * factor)];
  return { gray: resize(gray, width, height, w, h, "bicubic"), width: w, height: h, scale: factor };
}

// Each pass's preparation, by the pass's name in qr.js, as vault/paper/passes.py prepares
// it: {gray, width, height, scale?} (scale: the prepared image's size over the original's),
// or null where it does not apply.
export const PREPARE = {
  plain: (image) => image,
  sharpened: (image) => sharpen(image, 2),
  // A 3x3 mean: reads noisy, blurred JPEG photos neither binarizer reads alone.
  smoothed: ({ gray, width, height }) => ({ gray: boxBlur(gray, width, height, 1), width, height }),
  // For heavy sensor noise (a dim room), where the 3x3 mean reads only some of the codes.
  "smoothed more": ({ gray, width, height }) => ({ gray: gaussianBlur(gray, width, height, 1.2), width, height }),
  "finely sharpened": (image) => sharpen(image, 1),
  flattened: flatten,
  // Small modules (a page far from the camera, a low-dpi scan) that are also blurred.
  "upscaled x1.5 and sharpened": (image) => {
    const up = upscaled(image, 1.5);
    return up && sharpen(up, 2);
  },
  "upscaled x2": (image) => upscaled(image, 2),
};
