"""docs/FORMAT.md section 8, "Erasure code", is enough to make and read kit blocks.

The functions below are a second implementation of the erasure code written from that section
alone (field, evaluation points, systematic encoding, easyfec padding, decoding from any k
blocks), in plain Python with no zfec and no vault code. The tests compare it byte for byte
with zfec, which rvault really uses, in both directions: blocks made here must equal
zfec.easyfec's, zfec's blocks must decode here, and blocks made here must decode in zfec. If
FORMAT.md described the code wrongly, these tests would fail.
"""

from __future__ import annotations

import functools
import random
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zfec import easyfec

from vault.paper.frames import FrameSet, encode

# --- GF(2^8) with x^8 + x^4 + x^3 + x^2 + 1, generator alpha = 0x02 (FORMAT.md "Field") ------

POLY = 0x11D


def _power_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 255, [0] * 256
    a = 1
    for e in range(255):
        exp[e], log[a] = a, e
        a <<= 1
        if a & 0x100:
            a ^= POLY
    return exp, log


EXP, LOG = _power_tables()


def gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return EXP[(LOG[a] + LOG[b]) % 255]


def gf_inv(a: int) -> int:
    assert a != 0
    return EXP[(255 - LOG[a]) % 255]


def gf_div(a: int, b: int) -> int:
    return gf_mul(a, gf_inv(b))


def gf_pow(a: int, e: int) -> int:
    result = 1
    for _ in range(e):
        result = gf_mul(result, a)
    return result


def point(j: int) -> int:
    """x_j: 0 for block 0, alpha^(j-1) for block j >= 1."""
    return 0 if j == 0 else EXP[j - 1]


# --- encoding matrix, two ways ------------------------------------------------------------


@functools.cache
def _weights(points: tuple[int, ...]) -> tuple[int, ...]:
    """w_m = 1 / PRODUCT over l != m of (p_m - p_l): the denominators of the formula."""
    weights = []
    for m, pm in enumerate(points):
        den = 1
        for l_, pl in enumerate(points):
            if l_ != m:
                den = gf_mul(den, pm ^ pl)
        weights.append(gf_inv(den))
    return tuple(weights)


def lagrange_row(target: int, points: tuple[int, ...]) -> list[int]:
    """Coefficients c_m with P(target) = sum c_m * P(points[m]) for every P of degree < k.

    c_m = PRODUCT over l != m of (target - p_l) / (p_m - p_l), subtraction being XOR;
    computed as w_m * N / (target - p_m) with N = PRODUCT over all l of (target - p_l).
    """
    if target in points:
        return [int(p == target) for p in points]
    total = 1
    for pl in points:
        total = gf_mul(total, target ^ pl)
    weights = _weights(points)
    return [gf_mul(w, gf_div(total, target ^ pm)) for w, pm in zip(weights, points, strict=True)]


@functools.cache
def encoding_matrix(k: int, n: int) -> tuple[tuple[int, ...], ...]:
    """E[j][i] for all n blocks, from the Lagrange formula of FORMAT.md."""
    data_points = tuple(point(i) for i in range(k))
    return tuple(tuple(lagrange_row(point(j), data_points)) for j in range(n))


def lagrange_literal(target: int, points: tuple[int, ...]) -> list[int]:
    """The same coefficients, computed exactly as FORMAT.md writes the product."""
    row = []
    for m, pm in enumerate(points):
        num = den = 1
        for l_, pl in enumerate(points):
            if l_ != m:
                num = gf_mul(num, target ^ pl)
                den = gf_mul(den, pm ^ pl)
        row.append(gf_div(num, den))
    return row


def invert(matrix: list[list[int]]) -> list[list[int]]:
    """Gauss-Jordan inverse over GF(2^8)."""
    size = len(matrix)
    work = [row[:] + [int(i == r) for i in range(size)] for r, row in enumerate(matrix)]
    for col in range(size):
        pivot = next(r for r in range(col, size) if work[r][col])
        work[col], work[pivot] = work[pivot], work[col]
        scale = gf_inv(work[col][col])
        work[col] = [gf_mul(scale, v) for v in work[col]]
        for r in range(size):
            if r != col and work[r][col]:
                factor = work[r][col]
                work[r] = [v ^ gf_mul(factor, w) for v, w in zip(work[r], work[col], strict=True)]
    return [row[size:] for row in work]


def matmul(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    out = []
    for row in a:
        acc = [0] * len(b[0])
        for coeff, brow in zip(row, b, strict=True):
            if coeff:
                acc = [x ^ gf_mul(coeff, y) for x, y in zip(acc, brow, strict=True)]
        out.append(acc)
    return out


def vandermonde_matrix(k: int, n: int) -> list[list[int]]:
    """The other description: V[j][c] = x_j^c (0^0 = 1), then E = V * inverse(top k x k)."""
    v = [[gf_pow(point(j), c) for c in range(k)] for j in range(n)]
    return matmul(v, invert(v[:k]))


# --- easyfec padding, encoding and decoding ---------------------------------------------------


def combine(coeffs: tuple[int, ...] | list[int], blocks: list[bytes]) -> bytes:
    """SUM of c * block, bytewise in GF(2^8)."""
    out = bytearray(len(blocks[0]))
    for c, block in zip(coeffs, blocks, strict=True):
        if c:
            for t, byte in enumerate(block):
                out[t] ^= gf_mul(c, byte)
    return bytes(out)


def spec_encode(data: bytes, k: int, n: int) -> list[bytes]:
    block_len = -(-len(data) // k)
    padded = data + b"\0" * (k * block_len - len(data))
    data_blocks = [padded[i * block_len : (i + 1) * block_len] for i in range(k)]
    matrix = encoding_matrix(k, n)
    return [combine(matrix[j], data_blocks) for j in range(n)]


def spec_decode(blocks: dict[int, bytes], k: int, length: int) -> bytes:
    """The data from any k blocks (index -> block): P(x_i) through the k received points."""
    assert len(blocks) == k
    indexes = sorted(blocks)
    points = tuple(point(j) for j in indexes)
    received = [blocks[j] for j in indexes]
    data_blocks = [
        blocks[i] if i in blocks else combine(lagrange_row(point(i), points), received)
        for i in range(k)
    ]
    return b"".join(data_blocks)[:length]


def zfec_encode(data: bytes, k: int, n: int) -> list[bytes]:
    return [bytes(b) for b in easyfec.Encoder(k, n).encode(data)]


def zfec_decode(blocks: dict[int, bytes], k: int, n: int, length: int) -> bytes:
    indexes = sorted(blocks)
    block_len = len(blocks[indexes[0]])
    decoder = easyfec.Decoder(k, n)
    return bytes(decoder.decode([blocks[j] for j in indexes], indexes, k * block_len - length))


# --- the tests ----------------------------------------------------------------------------

SHAPES = [(1, 3), (2, 4), (3, 5), (5, 7), (9, 12), (12, 18), (40, 50), (200, 250), (200, 255)]


def test_the_field_and_its_points_are_the_ones_the_spec_lists() -> None:
    # FORMAT.md: alpha^8 = 0x1D, and the listed first points.
    assert [point(j) for j in range(11)] == [0, 1, 2, 4, 8, 16, 32, 64, 128, 0x1D, 0x3A]
    assert len(set(EXP)) == 255  # alpha generates every non-zero element
    assert len({point(j) for j in range(255)}) == 255  # n <= 255 points are distinct
    assert all(gf_mul(a, gf_inv(a)) == 1 for a in range(1, 256))


@pytest.mark.parametrize(("k", "n"), [(1, 3), (2, 4), (3, 5), (5, 9), (9, 12), (16, 20)])
def test_vandermonde_build_and_lagrange_formula_give_one_systematic_matrix(k: int, n: int) -> None:
    matrix = vandermonde_matrix(k, n)
    assert matrix == [list(row) for row in encoding_matrix(k, n)]
    data_points = tuple(point(i) for i in range(k))
    assert matrix == [lagrange_literal(point(j), data_points) for j in range(n)]
    assert matrix[:k] == [[int(i == j) for i in range(k)] for j in range(k)]


@pytest.mark.parametrize(("k", "n"), SHAPES)
def test_blocks_made_from_the_spec_are_zfecs_byte_for_byte(k: int, n: int) -> None:
    rng = random.Random(f"encode {k} {n}")
    for length in sorted({1, k - 1, k, k + 1, 3 * k + 2, 7 * k} - {0}):
        data = rng.randbytes(length)
        assert spec_encode(data, k, n) == zfec_encode(data, k, n), (k, n, length)


@pytest.mark.parametrize(("k", "n"), SHAPES)
def test_any_k_blocks_decode_both_ways(k: int, n: int) -> None:
    rng = random.Random(f"decode {k} {n}")
    data = rng.randbytes(3 * k + 1)  # padded by k - 1 bytes: the pad is stripped
    ours, theirs = spec_encode(data, k, n), zfec_encode(data, k, n)
    assert ours == theirs
    subsets = [rng.sample(range(n), k) for _ in range(4)]
    subsets += [list(range(n - k, n)), list(range(k))]  # all parity (as far as n allows); data
    for subset in subsets:
        assert spec_decode({j: theirs[j] for j in subset}, k, len(data)) == data, subset
        assert zfec_decode({j: ours[j] for j in subset}, k, n, len(data)) == data, subset


def test_every_choice_of_k_blocks_decodes_for_a_small_code() -> None:
    k, n = 3, 6
    data = bytes(range(250, 256)) + b"rvault"  # 12 bytes: 4 per block, no pad
    blocks = zfec_encode(data, k, n)
    for subset in combinations(range(n), k):
        assert spec_decode({j: blocks[j] for j in subset}, k, len(data)) == data, subset


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=300),
    k=st.integers(min_value=1, max_value=30),
    spare=st.integers(min_value=1, max_value=12),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_random_codes_match_zfec_and_decode_from_random_subsets(
    data: bytes, k: int, spare: int, seed: int
) -> None:
    n = k + spare
    blocks = zfec_encode(data, k, n)
    assert spec_encode(data, k, n) == blocks
    subset = random.Random(seed).sample(range(n), k)
    assert spec_decode({j: blocks[j] for j in subset}, k, len(data)) == data


def test_a_kit_made_by_rvault_follows_the_spec() -> None:
    # vault.paper.frames.encode pads the file itself and stores its length in every frame; the
    # blocks must still be the spec's, and a kit rebuilt from the spec's blocks must join.
    rng = random.Random("kit")
    data = rng.randbytes(5000)
    frames = encode(data, bytes(16), bytes(8), 7, max_block=600)
    k, n = frames[0].k, frames[0].n
    assert (k, n) == (9, 12)
    assert all(f.length == len(data) for f in frames)
    assert [f.block for f in frames] == spec_encode(data, k, n)
    chosen = rng.sample(range(n), k)
    assert spec_decode({j: frames[j].block for j in chosen}, k, len(data)) == data
    kit = FrameSet()
    kit.add_all(frames[j] for j in chosen)
    assert kit.join() == data
