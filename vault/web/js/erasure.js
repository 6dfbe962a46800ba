// The kit's erasure code, exactly as zfec computes it (docs/FORMAT.md section 8, "Erasure
// code"): Reed-Solomon over GF(2^8) with polynomial 0x11D, block j evaluated at x_0 = 0 and
// x_j = alpha^(j-1), systematic (blocks 0..k-1 are the data). Any k blocks rebuild the data
// by Lagrange interpolation, byte position by byte position.

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let e = 0; e < 255; e++) {
    EXP[e] = x;
    LOG[x] = e;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let e = 255; e < 510; e++) EXP[e] = EXP[e - 255];
}

function mul(a, b) {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

function div(a, b) {
  if (b === 0) throw new RangeError("division by zero in GF(2^8)");
  return a === 0 ? 0 : EXP[LOG[a] + 255 - LOG[b]];
}

// The evaluation point of block j.
export function point(j) {
  return j === 0 ? 0 : EXP[j - 1];
}

// The Lagrange weights that evaluate, at x, the polynomial through the given points.
function weights(x, points) {
  return points.map((xm, m) => {
    let w = 1;
    points.forEach((xl, l) => {
      if (l !== m) w = mul(w, div(x ^ xl, xm ^ xl)); // subtraction is XOR
    });
    return w;
  });
}

function combine(ws, blocks, length) {
  const out = new Uint8Array(length);
  ws.forEach((w, m) => {
    if (w === 0) return;
    const block = blocks[m];
    const lw = LOG[w];
    for (let t = 0; t < length; t++) {
      const b = block[t];
      if (b !== 0) out[t] ^= EXP[lw + LOG[b]];
    }
  });
  return out;
}

// blocks: an array of [index, Uint8Array] with k distinct indexes below n, all one length.
// Returns the k data blocks (0..k-1), in order.
export function decodeBlocks(k, n, blocks) {
  if (blocks.length !== k) throw new RangeError(`need exactly ${k} blocks, got ${blocks.length}`);
  const indexes = blocks.map(([j]) => j);
  if (new Set(indexes).size !== k || indexes.some((j) => j < 0 || j >= n)) {
    throw new RangeError("block indexes must be distinct and below n");
  }
  const length = blocks[0][1].length;
  const points = indexes.map(point);
  const data = blocks.map(([, b]) => b);
  const out = [];
  for (let i = 0; i < k; i++) {
    const held = indexes.indexOf(i);
    // A data block in hand is itself (the code is systematic): no arithmetic needed.
    out.push(held >= 0 ? data[held].slice() : combine(weights(point(i), points), data, length));
  }
  return out;
}

// The n blocks of k data blocks (the data first, then the parity blocks).
export function encodeBlocks(k, n, primary) {
  const points = primary.map((_, i) => point(i));
  const length = primary[0].length;
  const out = primary.map((b) => b.slice());
  for (let j = k; j < n; j++) out.push(combine(weights(point(j), points), primary, length));
  return out;
}
