// Images for the QR reader (qr.js): pixels out of a picked photo or scan, grey levels, and
// the ways a pass prepares them (vault/paper/passes.py does the same with PIL). Plain loops
// over typed arrays: a 300 dpi page is 8.7 million pixels, and each filter is one or two
// passes over them, tens of milliseconds.
import { InvalidData } from "./errors.js";

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

// One box blur, edges extended, as PIL's: the mean over 2 * radius + 1 pixels, where a
// fractional radius gives the two outermost pixels the fraction as weight (an "extended
// box", which PIL's Gaussian blur is made of). Rows, then columns, by running sums (the
// columns' sums kept a whole row at a time, so memory is read in order): the cost does not
// grow with the radius. Integer weights in 1/65536: V8 runs this 3x faster than in floats.
function boxBlur(src, width, height, radius) {
  const r = Math.floor(radius);
  const inner = Math.round(65536 / (2 * radius + 1));
  const outer = Math.round((65536 * (radius - r)) / (2 * radius + 1));
  const tmp = new Uint8Array(src.length);
  const out = new Uint8Array(src.length);
  const [lastX, lastY] = [width - 1, height - 1];
  for (let row = 0; row < src.length; row += width) {
    let sum = 0;
    for (let i = -r; i <= r; i += 1) sum += src[row + clamp(i, lastX)];
    for (let x = 0; x < width; x += 1) {
      // Inside the row (all but r + 1 pixels at each end) no index needs clamping.
      const inside = x > r && x < lastX - r;
      const ahead = src[row + (inside ? x + r + 1 : clamp(x + r + 1, lastX))];
      const behind = src[row + (inside ? x - r - 1 : clamp(x - r - 1, lastX))];
      tmp[row + x] = (sum * inner + (behind + ahead) * outer + 32768) >>> 16;
      sum += ahead - src[row + (inside ? x - r : clamp(x - r, lastX))];
    }
  }
  const sums = new Int32Array(width);
  for (let i = -r; i <= r; i += 1) {
    const row = clamp(i, lastY) * width;
    for (let x = 0; x < width; x += 1) sums[x] += tmp[row + x];
  }
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    const above = clamp(y - r - 1, lastY) * width;
    const below = clamp(y + r + 1, lastY) * width;
    const leaving = clamp(y - r, lastY) * width;
    for (let x = 0; x < width; x += 1) {
      out[row + x] = (sums[x] * inner + (tmp[above + x] + tmp[below + x]) * outer + 32768) >>> 16;
      sums[x] += tmp[below + x] - tmp[leaving + x];
    }
  }
  return out;
}

// PIL's GaussianBlur(sigma): three extended box blurs, each of the radius that gives a third
// of the variance (Gwosdek et al., "Theoretical foundations of Gaussian convolution by
// extended box filtering", as PIL computes it).
function gaussian(src, width, height, sigma) {
  const third = (sigma * sigma) / 3;
  const l = Math.floor((Math.sqrt(12 * third + 1) - 1) / 2);
  const a = ((2 * l + 1) * (l * (l + 1) - 3 * third)) / (6 * (third - (l + 1) * (l + 1)));
  let out = src;
  for (let pass = 0; pass < 3; pass += 1) out = boxBlur(out, width, height, l + a);
  return out;
}

// Unsharp masking, 200%, no threshold (PIL's UnsharpMask(radius, 200, 0), as the CLI's
// passes): undoes some of the blur of a page out of focus.
function sharpen({ gray, width, height, scale }, radius = 2) {
  const blurred = gaussian(gray, width, height, radius);
  const out = new Uint8Array(gray.length);
  for (let i = 0; i < gray.length; i += 1) out[i] = Math.min(255, Math.max(0, 3 * gray[i] - 2 * blurred[i]));
  return { gray: out, width, height, scale };
}

// A 3x3 mean: reads noisy, blurred JPEG photos neither binarizer reads alone.
function smooth({ gray, width, height }) {
  return { gray: boxBlur(gray, width, height, 1), width, height };
}

// For heavy sensor noise (a dim room), where the 3x3 mean reads only some of the codes.
function smoothMore({ gray, width, height }) {
  return { gray: gaussian(gray, width, height, 1.2), width, height };
}

// The largest value within r pixels (a square), rows then columns.
function maxFilter(src, width, height, r) {
  const tmp = new Uint8Array(src.length);
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let m = 0;
      for (let i = Math.max(0, x - r); i <= Math.min(width - 1, x + r); i += 1) m = Math.max(m, src[y * width + i]);
      tmp[y * width + x] = m;
    }
  }
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let m = 0;
      for (let i = Math.max(0, y - r); i <= Math.min(height - 1, y + r); i += 1) m = Math.max(m, tmp[i * width + x]);
      out[y * width + x] = m;
    }
  }
  return out;
}

// Bilinear resampling of src (sw x sh) to width x height, `per` source pixels to one of the
// result's. Each result row mixes two source rows, themselves resampled along x once and
// kept while the next result rows need them; call with each y in turn.
function resampler(src, sw, sh, width, per) {
  const x0 = new Int32Array(width);
  const wx = new Float32Array(width);
  for (let x = 0; x < width; x += 1) {
    const fx = clamp((x + 0.5) * per - 0.5, sw - 1);
    x0[x] = Math.floor(fx);
    wx[x] = fx - x0[x];
  }
  const rows = [new Float32Array(width), new Float32Array(width)];
  const held = [-1, -1];
  const along = (sy, slot) => {
    if (held[slot] === sy) return rows[slot];
    const [line, base] = [rows[slot], sy * sw];
    for (let x = 0; x < width; x += 1) {
      const a = src[base + x0[x]];
      line[x] = a + (src[base + Math.min(x0[x] + 1, sw - 1)] - a) * wx[x];
    }
    held[slot] = sy;
    return line;
  };
  return (y) => {
    const fy = clamp((y + 0.5) * per - 0.5, sh - 1);
    const y0 = Math.floor(fy);
    // Slots by parity of the source row, so a row once resampled stays until it is passed.
    return [along(y0, y0 & 1), along(Math.min(y0 + 1, sh - 1), (y0 + 1) & 1), fy - y0];
  };
}

// The page divided by an estimate of its paper white (passes.py's _flatten): shadows and
// light fall-off removed. Paper white, locally: the brightest pixel within ~3 modules (a
// code has no larger black area save its finder squares), smoothed over a wide area, at a
// quarter of the size; the quotient is 255 * (grey + 1) / (white + 1), as the CLI's.
function flatten({ gray, width, height }) {
  const step = Math.min(width, height) >= 800 ? 4 : 1;
  const [sw, sh] = [Math.ceil(width / step), Math.ceil(height / step)];
  const small = new Uint8Array(sw * sh);
  for (let y = 0; y < height; y += 1) {
    const [row, at] = [y * width, Math.floor(y / step) * sw];
    for (let x = 0; x < width; x += 1) {
      const v = gray[row + x];
      const i = at + Math.floor(x / step);
      if (v > small[i]) small[i] = v;
    }
  }
  const paper = gaussian(maxFilter(small, sw, sh, 2), sw, sh, Math.max(width, height) / 160 / step);
  const rowsAt = resampler(paper, sw, sh, width, 1 / step);
  const out = new Uint8Array(gray.length);
  for (let y = 0; y < height; y += 1) {
    const [top, bottom, wy] = rowsAt(y);
    const row = y * width;
    for (let x = 0; x < width; x += 1) {
      const white = top[x] + (bottom[x] - top[x]) * wy;
      out[row + x] = Math.min(255, (255 * (gray[row + x] + 1)) / (white + 1));
    }
  }
  return { gray: out, width, height };
}

// The image `factor` times larger, bilinear (the CLI's is bicubic), capped at
// MAX_UPSCALED_PIXELS; null when the cap leaves less than 1.2 times.
function upscaled({ gray, width, height }, factor) {
  factor = Math.min(factor, Math.sqrt(MAX_UPSCALED_PIXELS / (width * height)));
  if (factor < 1.2) return null;
  const [w, h] = [Math.round(width * factor), Math.round(height * factor)];
  const rowsAt = resampler(gray, width, height, w, 1 / factor);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y += 1) {
    const [top, bottom, wy] = rowsAt(y);
    for (let x = 0; x < w; x += 1) out[y * w + x] = top[x] + (bottom[x] - top[x]) * wy + 0.5;
  }
  return { gray: out, width: w, height: h, scale: factor };
}

// Each pass's preparation, by the pass's name in qr.js: {gray, width, height, scale?} (scale:
// the prepared image's size over the original's), or null where it does not apply.
export const PREPARE = {
  plain: (image) => image,
  sharpened: (image) => sharpen(image, 2),
  smoothed: smooth,
  "smoothed more": smoothMore,
  "finely sharpened": (image) => sharpen(image, 1),
  flattened: flatten,
  // Small modules (a page far from the camera, a low-dpi scan) that are also blurred.
  "upscaled x1.5 and sharpened": (image) => {
    const up = upscaled(image, 1.5);
    return up && sharpen(up, 2);
  },
  "upscaled x2": (image) => upscaled(image, 2),
};
