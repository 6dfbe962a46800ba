"""The page's live camera (issue 15), with Chromium's fake camera fed a video of a codes sheet.

Chromium plays tests/support/fakecam.py's video (an empty table, then a printed codes sheet,
then the same sheet moved a little) as the camera's picture; `--use-fake-ui-for-media-stream`
answers the permission prompt as a person pressing Allow would. The page reads frames in its
worker until the kit is complete, ticks the codes off, turns the camera off by itself, and the
rebuilt vault opens. The page is opened from file://, where Chromium allows getUserMedia.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import Tab, launch, tabs
from support.fakecam import camera_frames, write_y4m
from support.kitutil import Kit, build_kit, fill_vault, new_vault, sample_entries

from vault.web.page import build_page

pytestmark = pytest.mark.slow  # renders a kit and runs Chromium with a camera of its own

FRAME = (1080, 1528)  # a portrait HD-ish frame: every code on the sheet reads at this size


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """A vault whose kit is one codes sheet of 4 codes, any 2 of which restore it."""
    d = tmp_path_factory.mktemp("camera-kit")
    vf = new_vault(d / "v.rvault")
    fill_vault(vf, sample_entries(), file_size=4000)
    built = build_kit(vf, d / "kit.pdf")
    assert len(built.sheet_page) == 1 and built.k >= 2 and built.n > built.k
    return built


@pytest.fixture(scope="module")
def camera_browser(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose only camera plays the codes sheet's video."""
    video = tmp_path_factory.mktemp("camera") / "sheet.y4m"
    write_y4m(video, camera_frames(kit.pages[kit.sheet_page[1]], FRAME))
    yield from launch(
        [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
    )


@pytest.fixture
def camera_tab(camera_browser: Any) -> Iterator[Callable[..., Tab]]:
    """Tabs in the camera browser (see tests/support/browser.py)."""
    yield from tabs(camera_browser)


def test_the_camera_reads_a_codes_sheet_ticks_codes_off_and_stops_at_k(
    camera_tab: Callable[..., Tab], kit: Kit, tmp_path: Path
) -> None:
    blank = tmp_path / "rvault-restore.html"
    blank.write_bytes(build_page(None))
    t = camera_tab(blank)
    page = t.page
    page.get_by_role("button", name="Rebuild from the paper kit").click()
    page.get_by_role("button", name="Use the camera").click()
    page.locator("#restore-done").wait_for(state="visible")
    # The camera turned itself off once enough codes were read: the track ended.
    assert page.locator("#camera").is_hidden()
    assert page.evaluate("document.getElementById('camera-video').srcObject") is None
    notes = page.locator("#scan-results").text_content() or ""
    assert "That is enough codes: the camera is off." in notes
    read = [int(x) for x in page.locator("#code-list li.read").all_text_contents()]
    assert len(read) >= kit.k and set(read) <= set(range(1, kit.n + 1))
    said = page.locator("#code-ticks-text").text_content() or ""
    assert f"of {kit.n}. That is enough ({kit.k} needed)." in said
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the vault file").click()
    saved = tmp_path / "restored.rvault"
    got.value.save_as(saved)
    assert saved.read_bytes() == kit.before
    page.get_by_role("button", name="Unlock it here").click()
    t.unlock()
    t.unlocked()
    assert page.locator("article.entry").count() == len(kit.entries)
    t.only_local_requests()
    t.nothing_stored()


def test_stop_turns_the_camera_off(camera_tab: Callable[..., Tab], tmp_path: Path) -> None:
    blank = tmp_path / "rvault-restore.html"
    blank.write_bytes(build_page(None))
    t = camera_tab(blank)
    page = t.page
    page.get_by_role("button", name="Rebuild from the paper kit").click()
    # Stop as soon as the camera shows: pressed before any frame completes the kit.
    page.evaluate(
        """() => new Promise((done) => {
          const video = document.getElementById('camera-video');
          video.addEventListener('playing', () => {
            document.getElementById('camera-stop').click(); done();
          }, { once: true });
          document.getElementById('camera-start').click();
        })"""
    )
    assert page.locator("#camera").is_hidden()
    assert page.evaluate("document.getElementById('camera-video').srcObject") is None
    assert page.get_by_role("button", name="Use the camera").is_visible()
