"""A video for Chromium's fake camera (`--use-file-for-fake-video-capture`): YUV4MPEG2 frames.

Chromium plays a .y4m file (4:2:0) in a loop as the camera's picture, at the file's own size,
so the page's camera path can be tested with real frames of a printed codes sheet.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def write_y4m(path: Path, frames: list[Image.Image], fps: int = 5) -> Path:
    """Write frames (all one size, even width and height) as a 4:2:0 YUV4MPEG2 video."""
    width, height = frames[0].size
    if width % 2 or height % 2:
        raise ValueError("4:2:0 needs an even width and height")
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            if frame.size != (width, height):
                raise ValueError("every frame must have the first frame's size")
            y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
            half = (width // 2, height // 2)
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            out.write(cb.resize(half, Image.Resampling.BOX).tobytes())
            out.write(cr.resize(half, Image.Resampling.BOX).tobytes())
    return path


def camera_frames(sheet: Image.Image, size: tuple[int, int]) -> list[Image.Image]:
    """What a camera held over a sheet sees: an empty table, then the sheet, then it moved.

    The sheet fills most of the frame, on a grey table; the second view is shifted a little.
    """
    width, height = size
    scale = min(width / sheet.width, height / sheet.height) * 0.94
    page = sheet.convert("RGB").resize(
        (round(sheet.width * scale), round(sheet.height * scale)), Image.Resampling.LANCZOS
    )
    table = Image.new("RGB", size, (118, 112, 104))
    frames = [table.copy()]
    for dx, dy in ((0, 0), (width // 40, -height // 60)):
        frame = table.copy()
        frame.paste(page, ((width - page.width) // 2 + dx, (height - page.height) // 2 + dy))
        frames.append(frame)
    return frames
