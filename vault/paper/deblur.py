"""The last resort for a blurred photo: Wiener deconvolution with a few guessed blurs.

Motion blur along a row or column of modules, or strong defocus, defeats every sharpening
pass: the blur must be undone, which takes an FFT (numpy). It runs only when a restore
would otherwise fail: after every page got every pass and the codes are still not enough
(vault.paper.scan), on the pages left short, until the codes are enough.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

# Pages are deconvolved at half size (a quarter of the work; a 300 dpi module is still 2.7
# pixels) and at most this large: a float32 FFT of 3 MP takes about 25 MB a buffer.
MAX_DEBLUR_PIXELS = 3_000_000
NOISE_TO_SIGNAL = 0.01  # the Wiener filter's regularisation: higher is smoother
# (kind, size in pixels of the half-size image): a hand moving along either axis, then an
# unfocused lens.
KERNELS = (("row", 8), ("column", 8), ("disk", 1.5), ("row", 5), ("column", 5), ("disk", 2.3))


def _kernel(kind: str, size: float) -> Any:
    import numpy as np

    if kind == "disk":
        n = int(size + 1)
        y, x = np.mgrid[-n : n + 1, -n : n + 1]
        k = (x * x + y * y <= size * size + 0.25).astype(np.float32)
    else:
        length = int(size)
        k = np.zeros((length, length), np.float32)
        if kind == "row":
            k[length // 2, :] = 1
        else:
            k[:, length // 2] = 1
    return k / k.sum()


def deblurred(gray: Image) -> Iterator[tuple[Image, float]]:
    """gray deconvolved with each guessed blur in turn, with its scale to gray."""
    import numpy as np
    from PIL import Image as PILImage

    scale = min(0.5, (MAX_DEBLUR_PIXELS / max(1, gray.width * gray.height)) ** 0.5)
    small = gray.resize((max(1, round(gray.width * scale)), max(1, round(gray.height * scale))))
    pixels = np.asarray(small, dtype=np.float32)
    h, w = pixels.shape
    spectrum = np.fft.rfft2(pixels)
    for kind, size in KERNELS:
        k = _kernel(kind, size)
        psf = np.zeros((h, w), np.float32)
        psf[: k.shape[0], : k.shape[1]] = k
        # Centred on the origin, so the deconvolved image is not shifted.
        psf = np.roll(psf, (-(k.shape[0] // 2), -(k.shape[1] // 2)), axis=(0, 1))
        blur = np.fft.rfft2(psf)
        restored = np.fft.irfft2(
            spectrum * np.conj(blur) / (np.abs(blur) ** 2 + NOISE_TO_SIGNAL), s=(h, w)
        )
        image = PILImage.fromarray(np.clip(restored, 0, 255).astype(np.uint8))
        # Read at twice the size: 2.7-pixel modules are at the edge of what zxing-cpp reads.
        yield image.resize((w * 2, h * 2), PILImage.Resampling.BICUBIC), 2 * w / gray.width
