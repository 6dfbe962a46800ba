// The PIL filters vault/paper/passes.py prepares its passes with, ported from Pillow's C
// (src/libImaging: BoxBlur.c, UnsharpMask.c, Reduce.c, Resample.c) step for step, its
// single-precision floats and fixed-point roundings included. A pass here then prepares the
// very pixels the CLI's pass prepares, and zxing-cpp reads the same codes from them
// (tests/test_web_qr.py compares them pixel for pixel). Greyscale ("L") images only: each
// function takes and returns a Uint8Array of width x height pixels.

const f32 = Math.fround; // Pillow computes these radii and weights in C floats
const clamp = (v, hi) => (v < 0 ? 0 : v > hi ? hi : v);

// One row of a box blur (ImagingLineBoxBlur8): to[x] is the weighted sum of from[x - r .. x
// + r] plus fw times each of the two pixels beyond, edges extended, in 1/2^24, rounded.
// Pillow's (sum * ww + far * fw + 2^23) >> 24 is unsigned 32-bit: the true value stays below
// 2^32, so the low 32 bits of each product (Math.imul) add up to it modulo 2^32, and >>>
// takes that modulo 2^32. Indexes are clamped only near the ends.
function blurLine(from, to, lastX, r, ww, fw) {
  let sum = 0;
  for (let i = -r; i <= r; i += 1) sum += from[clamp(i, lastX)];
  const start = Math.min(r + 1, lastX + 1);
  const end = Math.max(start, lastX - r);
  let x = 0;
  for (; x < start; x += 1) {
    const ahead = from[clamp(x + r + 1, lastX)];
    to[x] = (Math.imul(sum, ww) + Math.imul(from[clamp(x - r - 1, lastX)] + ahead, fw) + 8388608) >>> 24;
    sum += ahead - from[clamp(x - r, lastX)];
  }
  for (; x < end; x += 1) {
    const ahead = from[x + r + 1];
    to[x] = (Math.imul(sum, ww) + Math.imul(from[x - r - 1] + ahead, fw) + 8388608) >>> 24;
    sum += ahead - from[x - r];
  }
  for (; x <= lastX; x += 1) {
    const ahead = from[clamp(x + r + 1, lastX)];
    to[x] = (Math.imul(sum, ww) + Math.imul(from[clamp(x - r - 1, lastX)] + ahead, fw) + 8388608) >>> 24;
    sum += ahead - from[clamp(x - r, lastX)];
  }
}

// ImagingBoxBlur: `passes` extended box blurs along the rows, then as many down the columns
// (Pillow transposes and blurs rows again; the sums are the same), rounded to bytes after
// each. A fractional radius gives the two outermost pixels the fraction as weight. A row
// takes all its passes while it is in the cache; the columns keep their running sums a
// whole row at a time, so memory is read in order. The cost does not grow with the radius.
export function boxBlur(src, width, height, radius, passes = 1) {
  radius = f32(radius);
  const r = Math.trunc(radius);
  const ww = Math.trunc(f32(16777216 / f32(f32(radius * 2) + 1)));
  const fw = Math.trunc((16777216 - (r * 2 + 1) * ww) / 2);
  const [lastX, lastY] = [width - 1, height - 1];
  const rows = new Uint8Array(src.length);
  const spare = [new Uint8Array(width), new Uint8Array(width)];
  for (let row = 0; row < src.length; row += width) {
    let line = src.subarray(row, row + width);
    for (let pass = 0; pass < passes; pass += 1) {
      const into = pass === passes - 1 ? rows.subarray(row, row + width) : spare[pass & 1];
      blurLine(line, into, lastX, r, ww, fw);
      line = into;
    }
  }
  let from = rows;
  for (let pass = 0; pass < passes; pass += 1) {
    const to = new Uint8Array(src.length);
    const sums = new Int32Array(width);
    for (let i = -r; i <= r; i += 1) {
      const row = from.subarray(clamp(i, lastY) * width);
      for (let x = 0; x < width; x += 1) sums[x] += row[x];
    }
    for (let y = 0; y < height; y += 1) {
      const line = to.subarray(y * width, (y + 1) * width);
      const above = from.subarray(clamp(y - r - 1, lastY) * width);
      const below = from.subarray(clamp(y + r + 1, lastY) * width);
      const leaving = from.subarray(clamp(y - r, lastY) * width);
      for (let x = 0; x < width; x += 1) {
        const ahead = below[x];
        line[x] = (Math.imul(sums[x], ww) + Math.imul(above[x] + ahead, fw) + 8388608) >>> 24;
        sums[x] += ahead - leaving[x];
      }
    }
    from = to;
  }
  return from;
}

// ImagingGaussianBlur (GaussianBlur(sigma)): three extended box blurs, each of the radius
// that gives a third of the variance (_gaussian_blur_radius, after Gwosdek et al.).
export function gaussianBlur(src, width, height, sigma) {
  const radius = f32(sigma);
  const sigma2 = f32(f32(radius * radius) / 3);
  const L = f32(Math.sqrt(12 * sigma2 + 1));
  const l = f32(Math.floor((L - 1) / 2));
  let a = f32(f32(2 * l + 1) * f32(f32(l * f32(l + 1)) - f32(3 * sigma2)));
  a = f32(a / f32(6 * f32(sigma2 - f32(f32(l + 1) * f32(l + 1)))));
  return boxBlur(src, width, height, f32(l + a), 3);
}

// ImagingUnsharpMask(radius, percent, threshold 0): the blur's difference added back.
export function unsharpMask(src, width, height, radius, percent = 200) {
  const blurred = gaussianBlur(src, width, height, radius);
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i += 1) {
    const diff = src[i] - blurred[i];
    out[i] = clamp(src[i] + Math.trunc((diff * percent) / 100), 255);
  }
  return out;
}

// MaxFilter(2 * r + 1): the image's edges extended (as Image.filter expands it first), the
// largest value in each square, rows then columns.
export function maxFilter(src, width, height, r) {
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

// Image.reduce(factor): the mean of each factor x factor block; the blocks cut by the right
// and bottom edges average what they hold, with Pillow's fixed-point quotient
// (ImagingReduceCorners: a float reciprocal, truncated, then >> 24).
export function reduce(src, width, height, factor) {
  const [w, h] = [Math.ceil(width / factor), Math.ceil(height / factor)];
  const out = new Uint8Array(w * h);
  const full = factor * factor;
  for (let by = 0; by < h; by += 1) {
    const rows = Math.min(factor, height - by * factor);
    for (let bx = 0; bx < w; bx += 1) {
      const cols = Math.min(factor, width - bx * factor);
      let sum = 0;
      for (let y = by * factor; y < by * factor + rows; y += 1) {
        for (let x = bx * factor; x < bx * factor + cols; x += 1) sum += src[y * width + x];
      }
      const count = rows * cols;
      if (count === full && factor === 4) {
        out[by * w + bx] = (sum + 8) >> 4; // ImagingReduce4x4
      } else {
        const multiplier = Math.trunc(f32(f32(4294967296) / f32(256 * count)));
        out[by * w + bx] = (Math.imul(sum + (count >> 1), multiplier) >>> 0) >>> 24;
      }
    }
  }
  return out;
}

const FILTERS = {
  bilinear: [1, (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0)],
  bicubic: [
    2,
    (x) => {
      x = Math.abs(x);
      if (x < 1) return (1.5 * x - 2.5) * x * x + 1; // a = -0.5
      return x < 2 ? (((x - 5) * x + 8) * x - 4) * -0.5 : 0;
    },
  ],
};
const PRECISION_BITS = 22; // 32 - 8 - 2, for 8-bit images

// precompute_coeffs and normalize_coeffs_8bpc: for each output pixel, its first input pixel
// and the fixed-point weights of the inputs it mixes.
function coefficients(inSize, outSize, kind) {
  const [reach, filter] = FILTERS[kind];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = reach * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  for (let xx = 0; xx < outSize; xx += 1) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    const k = [];
    let total = 0;
    for (let x = 0; x < xmax; x += 1) {
      k.push(filter((x + xmin - center + 0.5) * (1 / filterScale)));
      total += k[x];
    }
    for (let x = 0; x < xmax; x += 1) {
      const v = (total !== 0 ? k[x] / total : k[x]) * (1 << PRECISION_BITS);
      weights[xx * ksize + x] = Math.trunc(v < 0 ? v - 0.5 : v + 0.5);
    }
    [first[xx], count[xx]] = [xmin, xmax];
  }
  return { first, count, weights, ksize };
}

const round8 = (ss) => clamp(ss >> PRECISION_BITS, 255);

// Image.resize((w, h), BILINEAR or BICUBIC) (ImagingResample): along the rows first, rounded
// to bytes, then down the columns; only the rows the second step needs are resampled.
export function resize(src, width, height, w, h, kind) {
  if (w === width && h === height) return src.slice();
  const across = coefficients(width, w, kind);
  const down = coefficients(height, h, kind);
  const top = down.first[0];
  const bottom = down.first[h - 1] + down.count[h - 1];
  const rows = new Uint8Array(w * (bottom - top));
  for (let y = top; y < bottom; y += 1) {
    const [line, at] = [y * width, (y - top) * w];
    for (let xx = 0; xx < w; xx += 1) {
      let ss = 1 << (PRECISION_BITS - 1);
      const [xmin, base] = [across.first[xx], xx * across.ksize];
      for (let x = 0; x < across.count[xx]; x += 1) ss += src[line + xmin + x] * across.weights[base + x];
      rows[at + xx] = round8(ss);
    }
  }
  const out = new Uint8Array(w * h);
  for (let yy = 0; yy < h; yy += 1) {
    const [ymin, base] = [down.first[yy] - top, yy * down.ksize];
    for (let xx = 0; xx < w; xx += 1) {
      let ss = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < down.count[yy]; y += 1) ss += rows[(ymin + y) * w + xx] * down.weights[base + y];
      out[yy * w + xx] = round8(ss);
    }
  }
  return out;
}
