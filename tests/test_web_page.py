"""The one-file browser page (issue 14): `rvault html`, and the page in a real headless Chromium.

The browser is Debian's chromium driven by Playwright (never a downloaded browser). Without it
the browser tests skip, naming the package; under CI=true they fail instead. Every wait is on
a page state (an element shown, a text present), never on a sleep. All but one browser test
are marked slow (about a second each); the quick loop keeps the comparison with show --json.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import http.server
import json
import re
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CHEAP_KDF, PASSPHRASE, run_main
from support.browser import Tab, node_path

import vault.web
from vault import BackupCode, Entry, KdfParams, OtpSettings, VaultFile
from vault.format import parse
from vault.otp.totp import seconds_left, totp
from vault.paper.frames import Frame, encode, text_lines
from vault.web.jsmin import strip_comments
from vault.web.page import build_page, bundle, page_sha256

WRONG = (
    "Wrong passphrase, or the file was changed. Check the passphrase (capital letters count) "
    "and try again."
)
FIXED_TIME = 1_900_000_007  # 2030-03-17T17:46:47Z: 7 s into a 30 s step, 47 s into a 60 s one


# --- a vault with every kind of entry ---------------------------------------------------------


SEED_256 = "GEZDGNBVGY3TQOJQ" * 3 + "GEZA"  # 32 bytes, as SHA256 seeds are
SEED_512 = "GEZDGNBVGY3TQOJQ" * 6 + "GEZDGNBQ"  # 64 bytes


def sample_entries() -> list[Entry]:
    """Backup codes (some used), recovery keys, notes and TOTP seeds of every setting."""
    codes = [BackupCode(f"{i:04d} {i * 7919 % 10000:04d}") for i in range(1, 11)]
    codes[0] = BackupCode(codes[0].code, True, "2026-11-20T10:00:00Z")
    codes[2] = BackupCode(codes[2].code, True, "2026-11-21T10:00:00Z")
    bitlocker = "-".join(f"{i}{i + 1}{i + 2}{i + 3}{i + 4}{i + 5}" for i in range(1, 9))
    return [
        Entry("GitHub", "backup-codes", codes=codes, account="octocat", tags=["work"]),
        Entry("Google (perso)", "backup-codes", codes=[BackupCode("aaaa-bbbb"), BackupCode("cd")]),
        Entry("Laptop BitLocker", "recovery-key", secret=bitlocker),
        Entry("Kraken", "recovery-key", secret="k9 x2 q7 w4 m1", url="https://kraken.example"),
        Entry("Safe combination", "note", secret="left 31\nright 7\nleft 12 — then pull"),
        Entry("Bank (SHA1)", "totp", secret="JBSWY3DPEHPK3PXP", issuer="Bank", account="me@ex.org"),
        Entry("Cloud (SHA256 8)", "totp", secret=SEED_256, otp=OtpSettings("SHA256", 8, 60)),
        Entry("Exchange (SHA512)", "totp", secret=SEED_512, otp=OtpSettings("SHA512", 6, 30)),
        Entry("Überweisung ß", "note", secret="nur für Notfälle"),
    ]


def make_vault(
    path: Path, entries: list[Entry] | None = None, kdf: KdfParams = CHEAP_KDF
) -> VaultFile:
    """A vault holding entries, with real (cheap) Argon2id."""
    vf = VaultFile(path, lock_timeout=10)
    vf.create(PASSPHRASE, kdf, allow_weak=True)
    with vf.edit(PASSPHRASE) as v:
        v.entries.extend(sample_entries() if entries is None else entries)
    return vf


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> VaultFile:
    """One sample vault for the module's tests (they only read it)."""
    return make_vault(tmp_path_factory.mktemp("web") / "sample.rvault")


@pytest.fixture(scope="module")
def sample_page(sample: VaultFile, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page holding the sample vault, as `rvault html` writes it."""
    out = tmp_path_factory.mktemp("page") / "my-vault.html"
    out.write_bytes(build_page(sample.read_bytes()))
    return out


@pytest.fixture(scope="module")
def blank_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page without a vault."""
    out = tmp_path_factory.mktemp("blank") / "rvault-restore.html"
    out.write_bytes(build_page(None))
    return out


# --- building the page and `rvault html` (no browser needed) ---------------------------------


def _inline(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}(?: type=\"module\")?>(.*?)</{tag}>", html, re.S)


def test_the_page_is_deterministic_and_allows_only_its_own_script_and_style(
    sample: VaultFile,
) -> None:
    data = sample.read_bytes()
    page = build_page(data)
    assert page == build_page(data)
    html = page.decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None
    directives = dict(d.strip().split(" ", 1) for d in csp.group(1).split(";"))
    assert directives["default-src"] == "'none'"
    (script,) = _inline(html, "script")
    (style,) = _inline(html, "style")

    def sha(text: str) -> str:
        return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"

    assert directives["script-src"] == f"{sha(script)} 'wasm-unsafe-eval'"
    assert directives["style-src"] == sha(style)
    assert directives["img-src"] == "data: blob:"
    # The QR reader's worker is started from a Blob of text the page holds, never a URL.
    assert directives["worker-src"] == "blob:"
    assert not set(directives) - {
        "default-src",
        "script-src",
        "style-src",
        "img-src",
        "worker-src",
        "base-uri",
        "form-action",
    }
    # No eval, no storage, nothing fetched: not even spelled in the code.
    for banned in (
        "eval(",
        "new Function",
        "localStorage",
        "sessionStorage",
        "indexedDB",
        "document.cookie",
        "fetch(",
        "XMLHttpRequest",
        "WebSocket",
    ):
        assert banned not in script, banned
    embedded = re.search(r'id="vault-data">([^<]*)<', html)
    assert embedded is not None and base64.b64decode(embedded.group(1)) == data


def test_the_blank_page_holds_no_vault_and_carries_the_qr_reader_within_its_budget() -> None:
    html = build_page(None)
    assert re.search(rb'id="vault-data"></script>', html)
    wasm = re.search(rb'id="qr-wasm">([A-Za-z0-9+/=]+)</script>', html)
    assert wasm is not None
    vendored = Path(vault.web.__file__).parent / "vendor" / "zxing-wasm" / "zxing_reader.wasm"
    assert base64.b64decode(wasm.group(1)) == vendored.read_bytes()
    worker = re.search(rb'<script type="text/plain" id="qr-worker">(.*?)</script>', html, re.S)
    assert worker is not None and b"var ZXingWASM=" in worker.group(1)
    assert len(html) <= 1_500_000, len(html)  # issue 15: with the QR reader, <= 1.5 MB


def test_rvault_html_writes_a_private_page_and_prints_its_sha256(
    vf: VaultFile, tmp_path: Path
) -> None:
    env = {"RVAULT_FILE": str(vf.path)}
    out = tmp_path / "my-vault.html"
    r = run_main(["html", "--out", out], env)
    assert r.code == 0, r.stderr
    page = out.read_bytes()
    assert r.stdout == f"{page_sha256(page)}  {out}\n"  # what `sha256sum -c` reads
    assert page == build_page(vf.read_bytes())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = run_main(["html", "--out", out], env)
    assert again.code == 73 and "--force" in again.stderr
    assert run_main(["html", "--out", out, "--force"], env).code == 0
    blank = tmp_path / "rvault-restore.html"
    r = run_main(["html", "--blank", "--out", blank], {"RVAULT_FILE": str(tmp_path / "none")})
    assert r.code == 0, r.stderr
    assert blank.read_bytes() == build_page(None)


def test_rvault_html_refuses_a_missing_or_damaged_vault(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    missing = run_main(["html", "--out", out], {"RVAULT_FILE": str(tmp_path / "none.rvault")})
    assert missing.code == 66 and not out.exists()
    bad = tmp_path / "bad.rvault"
    bad.write_bytes(b"\x89RVAULT\nnot really")
    damaged = run_main(["html", "--out", out], {"RVAULT_FILE": str(bad)})
    assert damaged.code == 65 and not out.exists()


def test_the_presentation_functions_in_node(tmp_path: Path) -> None:
    node = node_path()
    module = (Path(__file__).parent.parent / "vault" / "web" / "js" / "present.js").as_uri()
    script = f"""
    import * as p from {json.dumps(module)};
    const codes = [{{code: 'a', used: true}}, {{code: 'b', used: false}},
                   {{code: 'c', used: false}}];
    const e = {{name: 'Überweisung', kind: 'note', tags: ['Bank'], issuer: null, notes: 'Café'}};
    console.log(JSON.stringify([
      p.codeStatus(codes), p.describeCodes(codes),
      p.groupDigits('123456'), p.groupDigits('12345678'),
      p.entryMatches(e, 'uberw bank'), p.entryMatches(e, 'cafe'), p.entryMatches(e, 'left'),
      p.markUsedCommand("Bob's bank", 3), p.markUsedCommand('GitHub', 2),
      p.sortEntries([{{name: 'b'}}, {{name: 'A'}}, {{name: 'a'}}]).map((x) => x.name),
      p.groupSecret('JBSWY3DPEHPK3PXP'), p.vaultSummary([{{kind: 'backup-codes', codes}}, e]),
    ]));
    """
    out = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [
        {"total": 3, "unused": 2, "next": 1},
        "2 of 3 codes left",
        "123 456",
        "1234 5678",
        True,
        True,
        False,
        "rvault edit 'Bob'\\''s bank' --mark-used 3",
        "rvault edit GitHub --mark-used 2",
        ["A", "a", "b"],
        "JBSW Y3DP EHPK 3PXP",
        "2 entries: 1 list of backup codes (2 left), 1 note.",
    ]


TRICKY_JS = r"""
// a comment with 'quotes' and a `backtick`
const a = 6, b = 2, g = 3;
const out = [];
out.push(a / b / g);                      /* division, twice */
out.push('//not a comment', "/*nor this*/");
out.push(/\/\/[a-z]+\//g.test('//ab/'), /[/]/.source);
function f(x) { return /^x+$/.test(x) }   // a regex after return
out.push(f('xx'), a + +b, a - -b, 1 .toString());
out.push(`t ${a + `n ${b}`} { } // ${'}'} /* */`);
const o = { k: 1 }
const m = [o].map((v) => ({ ...v }))
out.push(m[0].k)
let c = 1
c
++c
out.push(c);
const joined = [3, 1, 2]
  .sort()
  .join(
    '-',
  )
const half = 1
.5
out.push(joined, half, (() => {
  return (
    1
  )
})());
console.log(JSON.stringify(out));
"""


def test_stripping_comments_keeps_what_the_code_does(tmp_path: Path) -> None:
    node = node_path()
    stripped = strip_comments(TRICKY_JS)
    assert "with 'quotes'" not in stripped and "division" not in stripped
    runs = []
    for name, source in (("as_written.mjs", TRICKY_JS), ("stripped.mjs", stripped)):
        path = tmp_path / name
        path.write_text(source)
        out = subprocess.run([node, path], capture_output=True, text=True, check=True)
        runs.append(out.stdout)
    assert runs[0] == runs[1]
    assert json.loads(runs[0])[-4:] == [2, "1-2-3", 1, 1]  # `c\n++c` and `1\n.5`: two statements


def test_the_page_script_is_one_valid_module(tmp_path: Path) -> None:
    node = node_path()
    script = tmp_path / "page.mjs"
    script.write_text(bundle())
    subprocess.run([node, "--check", script], check=True)


# --- the page in Chromium --------------------------------------------------------------------


def _show_json(vf: VaultFile, name: str, tmp_path: Path) -> dict[str, Any]:
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSPHRASE + "\n")
    r = run_main(
        ["show", "--json", name], {"RVAULT_FILE": str(vf.path), "RVAULT_PASSPHRASE_FILE": str(pw)}
    )
    assert r.code == 0, r.stderr
    shown: dict[str, Any] = json.loads(r.stdout)
    return shown


def test_the_page_from_file_shows_what_rvault_show_json_shows(
    tab: Callable[..., Tab], sample: VaultFile, sample_page: Path, tmp_path: Path
) -> None:
    t = tab(sample_page)
    page = t.page
    assert page.url.startswith("file://")
    # Record what the progress line says while Argon2 runs (it may be too quick to poll).
    page.evaluate(
        """() => { window.seen = [];
        new MutationObserver(() => { const p = document.getElementById('progress');
          if (!p.hidden) window.seen.push(p.textContent.trim()); })
        .observe(document.getElementById('progress'),
                 {attributes: true, subtree: true, childList: true, characterData: true}); }"""
    )
    t.unlock()
    t.unlocked()
    seen = page.evaluate("window.seen")
    assert any("working out the key from your passphrase (1 MiB, 1 pass)" in s for s in seen)
    names = [e.name for e in sample.load(PASSPHRASE).entries]
    assert page.locator("article.entry").count() == len(names)
    for name in names:
        e = _show_json(sample, name, tmp_path)
        card = page.locator(f"article[data-id='{e['id']}']")
        assert card.locator("h3").text_content() == e["name"]
        text = card.text_content() or ""
        for key in ("account", "url"):
            if e[key]:
                assert e[key] in text
        for tag in e["tags"]:
            assert tag in text
        if e["kind"] == "backup-codes":
            items = card.locator("ol.codes li")
            assert items.locator(".code").all_text_contents() == [c["code"] for c in e["codes"]]
            used = [i for i, c in enumerate(e["codes"]) if c["used"]]
            classes = [items.nth(i).get_attribute("class") or "" for i in range(items.count())]
            assert [i for i, c in enumerate(classes) if "used" in c.split()] == used
            first_unused = next(i for i, c in enumerate(e["codes"]) if not c["used"])
            assert [i for i, c in enumerate(classes) if "next" in c.split()] == [first_unused]
            assert "use this one next" in (items.nth(first_unused).text_content() or "")
            left = sum(not c["used"] for c in e["codes"])
            assert f"{left} of {len(e['codes'])} codes left" in text
        elif e["kind"] == "totp":
            seed = card.locator("pre.secret").text_content() or ""
            assert seed.replace(" ", "") == e["secret"]
        else:
            assert card.locator("pre.secret").text_content() == e["secret"]
    assert "rvault edit NAME --mark-used N" in (page.locator("#vault-view").text_content() or "")
    page.get_by_label("Search").fill("bitlocker")
    assert page.locator("article.entry:visible").count() == 1
    page.get_by_label("Search").fill("")
    assert page.locator("article.entry:visible").count() == len(names)


@pytest.mark.slow
def test_a_big_vault_arrives_whole_and_search_counts_it(
    tab: Callable[..., Tab], tmp_path: Path
) -> None:
    entries = [Entry(f"Service {i:03d}", "recovery-key", secret=f"key {i}") for i in range(240)]
    entries[7].tags = ["needle"]
    big = make_vault(tmp_path / "big.rvault", entries)
    page_file = tmp_path / "big.html"
    page_file.write_bytes(build_page(big.read_bytes()))
    t = tab(page_file)
    t.unlock()
    t.unlocked()
    assert t.page.locator("article.entry").count() == 240
    t.page.get_by_label("Search").fill("needle")
    t.page.locator("#search-count").filter(has_text="1 entry of 240 shown.").wait_for()
    assert t.page.locator("article.entry:visible h3").all_text_contents() == ["Service 007"]


@pytest.mark.slow
def test_copy_puts_the_code_on_the_clipboard_and_says_how_to_mark_it_used(
    tab: Callable[..., Tab], sample: VaultFile, sample_page: Path
) -> None:
    t = tab(
        sample_page,
        setup=lambda page: page.context.grant_permissions(["clipboard-read", "clipboard-write"]),
    )
    t.unlock()
    t.unlocked()
    second = next(e for e in sample.load(PASSPHRASE).entries if e.name == "GitHub").codes[1]
    t.page.get_by_role("button", name="Copy code 2 of GitHub").click()
    toast = t.page.locator("#copy-status")
    toast.wait_for(state="visible")
    assert toast.text_content() == (
        "Copied. Once you have used it, mark it later: rvault edit GitHub --mark-used 2"
    )
    assert t.page.evaluate("navigator.clipboard.readText()") == second.code
    t.page.get_by_role("button", name="Copy the recovery key of Laptop BitLocker").click()
    t.page.locator("#copy-status").filter(has_text=re.compile(r"^Copied\.$")).wait_for()
    key = next(e for e in sample.load(PASSPHRASE).entries if e.name == "Laptop BitLocker")
    assert t.page.evaluate("navigator.clipboard.readText()") == key.secret


@pytest.mark.slow
def test_totp_codes_equal_pythons_at_a_fixed_time(
    tab: Callable[..., Tab], sample: VaultFile, sample_page: Path
) -> None:
    from datetime import datetime, timezone

    at = datetime.fromtimestamp(FIXED_TIME, timezone.utc)
    t = tab(sample_page, setup=lambda page: page.clock.set_fixed_time(at))
    t.unlock()
    t.unlocked()
    for entry in sample.load(PASSPHRASE).entries:
        if entry.kind != "totp":
            continue
        assert entry.otp is not None
        card = t.page.locator(f"article[data-id='{entry.id}']")
        expected = totp(entry.secret, entry.otp, FIXED_TIME)
        code = card.locator(".totp-code")
        code.filter(has_text=re.compile(r"\d")).wait_for()
        assert (code.text_content() or "").replace(" ", "") == expected
        left = seconds_left(entry.otp, FIXED_TIME)
        assert card.locator(".totp-left").text_content() == f"{left} s left"


@pytest.mark.slow
def test_a_wrong_passphrase_and_a_tampered_file_get_the_same_opaque_message(
    tab: Callable[..., Tab], sample: VaultFile, sample_page: Path, tmp_path: Path
) -> None:
    t = tab(sample_page)
    t.unlock("not the passphrase")
    alert = t.page.get_by_role("alert")
    alert.wait_for(state="visible")
    assert alert.text_content() == WRONG
    # A file whose payload was altered and its checksum fixed: the tag fails, same words.
    container = parse(sample.read_bytes())
    flipped = bytes([container.ciphertext[0] ^ 1]) + container.ciphertext[1:]
    forged = dataclasses.replace(container, ciphertext=flipped).to_bytes()
    page_file = tmp_path / "forged.html"
    page_file.write_bytes(build_page(forged))
    t2 = tab(page_file)
    t2.unlock()
    t2.page.get_by_role("alert").wait_for(state="visible")
    assert t2.page.get_by_role("alert").text_content() == alert.text_content()
    assert t2.page.locator("#vault-view").is_hidden()


VECTORS = Path(__file__).parent / "vectors"


def _outcome(alert: str) -> str:
    """The vector outcome a page message stands for."""
    if alert == WRONG:
        return "wrong_passphrase"
    for words, outcome in (
        ("This vault file is damaged", "corrupt"),
        ("This is not an rvault vault file", "corrupt"),
        ("A newer rvault wrote this file", "unsupported"),
        ("refused before any work is done", "limit_exceeded"),
    ):
        if words in alert:
            return outcome
    return f"unexpected message: {alert}"


@pytest.mark.slow
def test_every_vector_gives_the_clis_outcome_in_the_page(
    tab: Callable[..., Tab], blank_page: Path, tmp_path: Path
) -> None:
    cases = json.loads((VECTORS / "vectors.json").read_text())["cases"]
    t = tab(blank_page)
    page = t.page
    alert = page.get_by_role("alert")
    for i, case in enumerate(cases):
        picked = tmp_path / f"{i:02d}-{case['file']}"  # a new name: the input always changes
        picked.write_bytes((VECTORS / case["file"]).read_bytes())
        page.set_input_files("#vault-file", str(picked))
        page.locator("#vault-source").filter(has_text=picked.name).wait_for()
        if case.get("refused_before_kdf"):
            # Refused when picked: the passphrase is not even asked for.
            assert alert.is_visible() and page.locator("#unlock-form").is_hidden(), case
            assert _outcome(alert.text_content() or "") == case["outcome"], case
            continue
        t.unlock(case["passphrase"])
        page.locator("#vault-view:visible, [role=alert]:visible").first.wait_for()
        if case["outcome"] == "success":
            assert page.locator("#vault-view").is_visible(), (case, alert.text_content())
            t.unlocked()
            names = page.locator("article.entry h3").all_text_contents()
            assert sorted(names) == sorted(case["entry_names"]), case
            page.get_by_role("button", name="Lock", exact=True).click()
        else:
            assert _outcome(alert.text_content() or "") == case["outcome"], case


def kit_frames(vf: VaultFile, kit_id: bytes, max_block: int = 160) -> list[Frame]:
    """A kit of the vault as it is now: its frames (codes), any k of which rebuild it."""
    data = vf.read_bytes()
    c = parse(data)
    return encode(data, c.vault_id, kit_id, c.generation, max_block, parity_pct=50)


def kit_lines(vf: VaultFile, kit_id: bytes, max_block: int = 160) -> tuple[list[list[str]], int]:
    """The typeable lines of a kit of the vault, code by code, and k (codes needed)."""
    frames = kit_frames(vf, kit_id, max_block)
    return [text_lines(f) for f in frames], frames[0].k


def _typo(line: str) -> str:
    """The line with one character of its groups changed (the check catches it)."""
    pos = 9  # inside the first group, after the label and two spaces
    swapped = "X" if line[pos] != "X" else "Y"
    return line[:pos] + swapped + line[pos + 1 :]


@pytest.mark.slow
def test_a_typed_restore_names_the_typo_then_rebuilds_and_unlocks(
    tab: Callable[..., Tab], sample: VaultFile, blank_page: Path, tmp_path: Path
) -> None:
    codes, k = kit_lines(sample, b"\x01" * 8)
    wanted = [line for code in codes[:k] for line in code]
    bad_at = len(codes[0]) + 2  # a line of the second code
    typed = [*wanted[:bad_at], _typo(wanted[bad_at]), *wanted[bad_at + 1 :]]
    t = tab(blank_page)
    page = t.page
    page.get_by_role("button", name="Rebuild from the paper kit").click()
    box = page.get_by_label("The kit's lines")
    box.fill("\n".join(typed[:-1]) + "\n")
    label = wanted[bad_at][:6]
    problems = page.locator("#restore-problems")
    problems.filter(has_text=f"line {label} does not match its check characters").wait_for()
    status = page.locator("#restore-status")
    assert "more line" in (status.text_content() or "")
    # The last line typed key by key, then the bad one retyped right at the end.
    box.press("End")
    page.keyboard.press("Control+End")
    page.keyboard.type(typed[-1] + "\n")
    assert page.locator("#restore-done").is_hidden()
    page.keyboard.type(wanted[bad_at] + "\n")
    page.locator("#restore-done").wait_for(state="visible")
    assert problems.locator("li").count() == 0
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the vault file").click()
    saved = tmp_path / "restored.rvault"
    got.value.save_as(saved)
    assert saved.read_bytes() == sample.read_bytes()
    page.get_by_role("button", name="Unlock it here").click()
    t.unlock()
    t.unlocked()
    assert page.locator("article.entry").count() == len(sample.load(PASSPHRASE).entries)
    assert all(u.startswith(("file:", "data:", "blob:")) for u in t.requests), t.requests


@pytest.mark.slow
def test_kits_are_never_mixed_the_newest_wins_and_other_vaults_are_chosen(
    tab: Callable[..., Tab], sample: VaultFile, blank_page: Path, tmp_path: Path
) -> None:
    old = VaultFile(tmp_path / "old.rvault")
    old.path.write_bytes(sample.read_bytes())
    newer = VaultFile(tmp_path / "new.rvault")
    newer.path.write_bytes(sample.read_bytes())
    newer.add(PASSPHRASE, Entry("Added later", "note", secret="x"))
    # A phone scanner app's output for the whole old kit (one code per line), then the new
    # kit typed: the newest generation wins, whatever the order.
    scanned = [f.to_text() for f in kit_frames(old, b"\x02" * 8)]
    new_codes, k = kit_lines(newer, b"\x03" * 8)
    lines = scanned + [line for code in new_codes[:k] for line in code]
    t = tab(blank_page)
    page = t.page
    page.get_by_role("button", name="Rebuild from the paper kit").click()
    box = page.get_by_label("The kit's lines")
    box.fill("\n".join(lines) + "\n")
    page.locator("#restore-done").wait_for(state="visible")
    assert "an older kit of the same vault" in (page.locator("#restore-notes").text_content() or "")
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the vault file").click()
    assert Path(got.value.path()).read_bytes() == newer.read_bytes()
    # Codes of another vault: never mixed, the person chooses.
    other = make_vault(tmp_path / "other.rvault", [Entry("Other", "note", secret="y")])
    lines += [f.to_text() for f in kit_frames(other, b"\x04" * 8)]
    box.fill("\n".join(lines) + "\n")
    choice = page.get_by_label("Kit to rebuild")
    choice.wait_for(state="visible")
    assert page.locator("#restore-done").is_hidden()
    assert "different vaults were found and not mixed" in (
        page.locator("#restore-status").text_content() or ""
    )
    options = choice.locator("option").all_text_contents()
    choice.select_option(label=next(o for o in options if o.startswith("kit 04040404")))
    page.locator("#restore-done").wait_for(state="visible")
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the vault file").click()
    assert Path(got.value.path()).read_bytes() == other.read_bytes()


@pytest.mark.slow
def test_the_same_line_typed_from_two_kits_is_named(
    tab: Callable[..., Tab], sample: VaultFile, blank_page: Path, tmp_path: Path
) -> None:
    newer = VaultFile(tmp_path / "new.rvault")
    newer.path.write_bytes(sample.read_bytes())
    newer.add(PASSPHRASE, Entry("Added later", "note", secret="x"))
    old_codes, _ = kit_lines(sample, b"\x02" * 8)
    new_codes, _ = kit_lines(newer, b"\x03" * 8)
    t = tab(blank_page)
    t.page.get_by_role("button", name="Rebuild from the paper kit").click()
    t.page.get_by_label("The kit's lines").fill("\n".join(old_codes[0] + new_codes[0]) + "\n")
    t.page.locator("#restore-problems").filter(
        has_text="Line 001-01 was typed twice, differently"
    ).wait_for()


@pytest.mark.slow
def test_no_request_leaves_the_page_and_nothing_is_stored(
    tab: Callable[..., Tab], sample_page: Path
) -> None:
    t = tab(sample_page)
    t.unlock("wrong one first")
    t.page.get_by_role("alert").wait_for(state="visible")
    t.unlock()
    t.unlocked()
    t.page.get_by_role("button", name="Copy").first.click()
    t.page.locator("#copy-status").wait_for(state="visible")
    t.page.get_by_role("button", name="Lock", exact=True).click()
    t.page.get_by_label("Passphrase", exact=True).wait_for(state="visible")
    assert t.requests == [sample_page.as_uri()]
    assert t.stored() == {"local": 0, "session": 0, "cookie": "", "idb": [], "cookies": []}


@pytest.mark.slow
def test_served_over_http_it_works_and_asks_for_nothing_else(
    tab: Callable[..., Tab], sample_page: Path
) -> None:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    def handler(*args: Any) -> Quiet:
        return Quiet(*args, directory=str(sample_page.parent))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{sample_page.name}"
        t = tab(url)
        t.unlock()
        t.unlocked()
        assert t.requests == [url]  # not even a favicon
        assert t.stored()["cookies"] == []
    finally:
        server.shutdown()
        server.server_close()


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width


@pytest.mark.slow
def test_a_360_px_screen_needs_no_sideways_scrolling(
    tab: Callable[..., Tab], sample_page: Path
) -> None:
    t = tab(sample_page, width=360)
    _no_sideways_scroll(t.page)
    t.unlock()
    t.unlocked()
    _no_sideways_scroll(t.page)
    for details in t.page.locator("details").all():
        details.locator("summary").click()
    _no_sideways_scroll(t.page)
    t.page.get_by_role("button", name="Lock", exact=True).click()
    t.page.get_by_role("button", name="Rebuild from the paper kit").click()
    t.page.get_by_label("The kit's lines").fill("001-01  XXXXX XXXXX  ZZ\n" + "9" * 300 + "\n")
    t.page.locator("#restore-problems li").first.wait_for()
    _no_sideways_scroll(t.page)
    t.page.get_by_role("button", name="Back").click()
    t.page.get_by_role("button", name="Use the recovery key or shares").click()
    t.page.get_by_label("Type the words of one share sheet", exact=False).fill("w" * 300 + " x ")
    t.page.locator("#share-help").filter(has_text="Word 1").wait_for()
    _no_sideways_scroll(t.page)


@pytest.mark.slow
def test_the_keyboard_alone_reaches_the_passphrase_unlock_and_lock(
    tab: Callable[..., Tab], sample_page: Path
) -> None:
    t = tab(sample_page)
    page = t.page
    page.locator("h1").click()  # the page's top: Tab starts from there
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "passphrase"
    page.keyboard.type(PASSPHRASE)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "unlock"
    page.keyboard.press("Enter")
    t.unlocked()
    assert page.evaluate("document.activeElement.id") == "vault-title"  # read out first
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lock"
    page.keyboard.press("Enter")
    page.get_by_label("Passphrase", exact=True).wait_for(state="visible")
    assert page.locator("article.entry").count() == 0


@pytest.mark.slow
def test_it_locks_itself_after_idle_minutes(tab: Callable[..., Tab], sample_page: Path) -> None:
    t = tab(sample_page, setup=lambda page: page.clock.install())
    t.unlock()
    t.unlocked()
    t.page.clock.fast_forward("04:00")
    assert t.page.locator("#vault-view").is_visible()
    t.page.get_by_label("Search").fill("git")  # using the page restarts the countdown
    t.page.clock.fast_forward("04:00")
    assert t.page.locator("#vault-view").is_visible()
    t.page.clock.fast_forward("01:05")
    t.page.get_by_text("Locked after 5 minutes without use").wait_for()
    assert t.page.locator("article.entry").count() == 0


@pytest.mark.slow
def test_a_vault_file_picked_from_disk_opens(
    tab: Callable[..., Tab], sample: VaultFile, blank_page: Path
) -> None:
    t = tab(blank_page)
    assert t.page.get_by_label("Passphrase", exact=True).is_hidden()
    t.page.set_input_files("#vault-file", str(sample.path))
    t.unlock()
    t.unlocked()
    assert t.page.locator("article.entry").count() == len(sample.load(PASSPHRASE).entries)


@pytest.mark.slow
def test_memory_the_browser_cannot_allocate_gets_a_plain_message(
    tab: Callable[..., Tab], sample: VaultFile, tmp_path: Path
) -> None:
    # 4 GiB is within the caps but beyond what 32-bit WebAssembly can address.
    container = parse(sample.read_bytes())
    slot = container.slots[0]
    huge = KdfParams(time_cost=1, memory_kib=4 * 1024 * 1024, parallelism=1)
    forged = dataclasses.replace(container, slots=(dataclasses.replace(slot, kdf=huge),))
    page_file = tmp_path / "huge.html"
    page_file.write_bytes(build_page(forged.to_bytes()))
    t = tab(page_file)
    t.unlock()
    alert = t.page.get_by_role("alert")
    alert.wait_for(state="visible")
    assert "could not set aside the 4096 MiB of memory" in (alert.text_content() or "")
