"""A real headless Chromium for the page's tests: Debian's package driven by Playwright.

The fixtures `browser` and `tab` (tests/conftest.py) use this. Without Chromium (or Node for
the JavaScript tests) the tests skip with a one-line reason naming the package to install;
with CI=true set they fail instead, so a CI run cannot go green without them.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE

# Headless as root; and nothing of Chromium's own traffic (updates, sync, safe browsing),
# which this machine's closed network would refuse at every start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]  # fmt: skip


def chromium_path() -> str | None:
    """Debian's chromium (or RVAULT_CHROMIUM), if it is installed."""
    for candidate in (os.environ.get("RVAULT_CHROMIUM"), shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def in_ci() -> bool:
    """Whether CI=true is set: missing browsers and tools then fail the run."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip with reason on a developer's machine; fail under CI."""
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def node_path() -> str:
    """Node, for the JavaScript modules' tests."""
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not installed (Debian package: nodejs)")
    assert node is not None
    return node


@dataclasses.dataclass
class Tab:
    """One page in its own browser context, with every request and error it caused."""

    page: Any
    context: Any
    requests: list[str]
    errors: list[str]

    def unlock(self, passphrase: str = PASSPHRASE) -> None:
        """Type the passphrase and press Unlock, as a person would."""
        self.page.get_by_label("Passphrase", exact=True).fill(passphrase)
        self.page.get_by_role("button", name="Unlock").click()

    def unlocked(self) -> None:
        """Wait until every entry is on the page (a big vault's arrive in slices)."""
        self.page.locator("#vault-view").wait_for(state="visible")
        self.page.locator("#entries[data-complete='true']").wait_for(state="attached")

    def stored(self) -> dict[str, Any]:
        """Everything the page could have kept: web storage, cookies, IndexedDB."""
        found: dict[str, Any] = self.page.evaluate(
            """async () => ({
                local: localStorage.length, session: sessionStorage.length,
                cookie: document.cookie, idb: (await indexedDB.databases()).map((d) => d.name),
            })"""
        )
        found["cookies"] = self.context.cookies()
        return found

    def only_local_requests(self) -> None:
        """Assert the page asked for nothing but itself and what it made (data:, blob:)."""
        assert all(u.startswith(("file:", "data:", "blob:")) for u in self.requests), self.requests

    def nothing_stored(self) -> None:
        """Assert the page kept nothing: no web storage, cookies or databases."""
        assert self.stored() == {"local": 0, "session": 0, "cookie": "", "idb": [], "cookies": []}


def launch(extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright; skipped (failed under CI) without it."""
    path = chromium_path()
    if path is None:
        skip_or_fail("no Chromium: install Debian's chromium package (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed: pip install -e '.[test]'")
        raise
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=[*CHROMIUM_ARGS, *extra_args])
        yield chromium
        chromium.close()


def tabs(browser: Any) -> Iterator[Callable[..., Tab]]:
    """open(url_or_path, width=, setup=): a fresh context (no shared state) on the page."""
    opened: list[Tab] = []

    def open_(
        target: str | Path, width: int = 1024, setup: Callable[[Any], None] | None = None
    ) -> Tab:
        context = browser.new_context(
            accept_downloads=True, viewport={"width": width, "height": 800}
        )
        page = context.new_page()
        t = Tab(page, context, [], [])
        page.on("request", lambda r: t.requests.append(r.url))
        page.on("pageerror", lambda e: t.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and t.errors.append(m.text))
        if setup is not None:
            setup(page)
        url = target if isinstance(target, str) else target.as_uri()
        page.goto(url)
        page.locator("body[data-ready='true']").wait_for(state="attached")
        opened.append(t)
        return t

    yield open_
    for t in opened:
        t.context.close()
    for t in opened:
        assert t.errors == [], t.errors  # a CSP violation or a script error is logged here
