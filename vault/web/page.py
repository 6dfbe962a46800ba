"""The browser restore page: the project's ES modules, CSS and vault inlined into one HTML file.

No build step and no bundler: each module under js/ (and the vendored code they import) is
wrapped in a function scope, its `import {a} from './y.js'` becomes `const {a} = __m_y;`, its
exports are returned, and the modules are laid out in dependency order inside one script.
The Content-Security-Policy lists that script and the style sheet by their SHA-256, computed
here, so the page can run nothing else and fetch nothing. The output depends only on the
package's files and the vault bytes: the same input always gives the same page, byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources
from pathlib import Path, PurePosixPath

from vault.web.jsmin import strip_comments

ENTRY = "js/app.js"
# Vendored builds that are not ES modules: run first, as they are. hash-wasm's UMD build
# defines globalThis.hashwasm, which js/argon2.js uses (in Node the tests set it the same way).
CLASSIC = ("vendor/hash-wasm/argon2.umd.min.js",)
# The QR reader runs in a worker made from one Blob: zxing-wasm's classic-script glue, then
# js/qr_worker.js with its imports. The page carries that text and the wasm as inert blocks.
WORKER_ENTRY = "js/qr_worker.js"
WORKER_CLASSIC = ("vendor/zxing-wasm/index.js",)
READER_WASM = "vendor/zxing-wasm/zxing_reader.wasm"
TEMPLATE = "page.html"
STYLE = "page.css"
SLOTS = ("{{csp}}", "{{style}}", "{{script}}", "{{worker}}", "{{wasm}}", "{{vault}}")

_NAME = r"[A-Za-z_$][\w$]*"
_IMPORT = re.compile(
    r"^import\s*(?:(\{[^}]*\})|\*\s*as\s+(" + _NAME + r"))\s*from\s*(['\"])([^'\"]+)\3\s*;?",
    re.M,
)
_IMPORT_BARE = re.compile(r"^import\s*(['\"])([^'\"]+)\1\s*;?", re.M)
_EXPORT_DECL = re.compile(
    r"^export\s+((?:async\s+)?function\s*\*?|class|const|let|var)\s+(" + _NAME + ")", re.M
)
_EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\}\s*;?", re.M)
_LEFTOVER = re.compile(r"^\s*(?:import|export)\b(?!\s*\()", re.M)
# Inside a <script> element these would end the element or change how HTML parses it.
_HTML_BREAKERS = ("</script", "<!--", "<script")
_SLOT = re.compile(r"\{\{(?:csp|style|script|worker|wasm|vault)\}\}")


def _read(name: str) -> str:
    """A file of the vault.web package, as text."""
    return resources.files("vault.web").joinpath(name).read_text(encoding="utf-8")


def _read_bytes(name: str) -> bytes:
    """A file of the vault.web package, as bytes."""
    return resources.files("vault.web").joinpath(name).read_bytes()


def _variable(path: str) -> str:
    """The name a module's exports are bound to in the page ('js/open.js' -> '__m_js_open')."""
    return "__m_" + re.sub(r"\W", "_", path.removesuffix(".js"))


def _resolve(importer: str, spec: str) -> str:
    """A relative import specifier as a path inside the package ('../vendor/x.js')."""
    if not spec.startswith(("./", "../")):
        raise ValueError(f"{importer}: only relative imports can be inlined, not {spec!r}")
    parts: list[str] = []
    for part in PurePosixPath(importer).parent.joinpath(spec).parts:
        if part == "..":
            if not parts:
                raise ValueError(f"{importer}: {spec!r} leaves the package")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _bindings(braces: str) -> list[tuple[str, str]]:
    """'{a, b as c}' -> [('a', 'a'), ('b', 'c')]: (name in the other module, name here)."""
    pairs = []
    for item in braces.strip("{} \n").split(","):
        words = item.split()
        if not words:
            continue
        if len(words) == 1:
            pairs.append((words[0], words[0]))
        elif len(words) == 3 and words[1] == "as":
            pairs.append((words[0], words[2]))
        else:
            raise ValueError(f"cannot read the import or export list {braces!r}")
    return pairs


def _wrap(path: str, source: str) -> tuple[str, list[str]]:
    """One module as a function scope returning its exports, and the modules it imports."""
    deps: list[str] = []
    exports: list[tuple[str, str]] = []  # (local name, exported name)

    def imported(m: re.Match[str]) -> str:
        dep = _resolve(path, m.group(4))
        deps.append(dep)
        if m.group(2):
            return f"const {m.group(2)} = {_variable(dep)};"
        names = ", ".join(a if a == b else f"{a}: {b}" for a, b in _bindings(m.group(1)))
        return f"const {{{names}}} = {_variable(dep)};"

    def bare(m: re.Match[str]) -> str:
        deps.append(_resolve(path, m.group(2)))
        return ""

    def declared(m: re.Match[str]) -> str:
        exports.append((m.group(2), m.group(2)))
        return f"{m.group(1)} {m.group(2)}"

    def listed(m: re.Match[str]) -> str:
        exports.extend(_bindings(m.group(1)))
        return ""

    body = _IMPORT.sub(imported, source)
    body = _IMPORT_BARE.sub(bare, body)
    body = _EXPORT_DECL.sub(declared, body)
    body = _EXPORT_LIST.sub(listed, body)
    if leftover := _LEFTOVER.search(body):
        line = body[: leftover.start()].count("\n") + 1
        raise ValueError(f"{path}:{line}: an import or export form page.py cannot inline")
    returned = ", ".join(b if a == b else f"{b}: {a}" for a, b in exports)
    wrapped = (
        f"const {_variable(path)} = (() => {{\n{body.rstrip()}\n"
        f"return Object.freeze({{{returned}}});\n}})();\n"
    )
    return wrapped, deps


def bundle(entry: str = ENTRY, classic: tuple[str, ...] = CLASSIC) -> str:
    """The classic scripts, then every module reachable from entry, each after its imports."""
    wrapped: dict[str, str] = {}
    order: list[str] = []
    visiting: list[str] = []

    def visit(path: str) -> None:
        if path in visiting:
            raise ValueError(f"import cycle: {' -> '.join([*visiting, path])}")
        if path in wrapped:
            return
        visiting.append(path)
        # The readable source stays in the package; the page carries it without comments.
        # Statements stay on their lines until import and export are rewritten.
        text, deps = _wrap(path, strip_comments(_read(path), join_lines=False))
        text = f"// {path}\n{strip_comments(text)}"  # where each module starts, for readers
        wrapped[path] = text
        for dep in deps:
            visit(dep)
        visiting.pop()
        order.append(path)

    visit(entry)
    vendored = [f"// {path}\n{_read(path).strip()}\n" for path in classic]
    return "\n".join([*vendored, *(wrapped[p] for p in order)])


def _compact_css(css: str) -> str:
    """The style sheet without comments, indentation or blank lines."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return "\n".join(line.strip() for line in css.splitlines() if line.strip()) + "\n"


def _csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(script: str, style: str) -> str:
    """The page's policy: its own script and style by hash, wasm, data:/blob: images; no more.

    default-src 'none' also forbids fetch, XHR, WebSocket, frames, fonts and media, so a
    page that was not modified cannot send anything anywhere, even by mistake.
    'wasm-unsafe-eval' lets Argon2 and the QR reader compile their WebAssembly; it does not
    allow eval() or new Function(). worker-src blob: lets the page start the QR reader's
    worker from text it already holds (a Blob); a worker inherits this policy. base-uri and
    form-action are not covered by default-src.
    """
    return (
        f"default-src 'none'; script-src {_csp_hash(script)} 'wasm-unsafe-eval'; "
        f"style-src {_csp_hash(style)}; img-src data: blob:; worker-src blob:; "
        "base-uri 'none'; form-action 'none'"
    )


def build_page(vault_bytes: bytes | None) -> bytes:
    """The one-file restore page, holding vault_bytes (the encrypted file) or no vault."""
    script = bundle()
    worker = bundle(WORKER_ENTRY, WORKER_CLASSIC)
    style = _compact_css(_read(STYLE))
    for name, text in (("script", script), ("worker", worker), ("style", style)):
        lowered = text.lower()
        for breaker in _HTML_BREAKERS:
            if breaker in lowered and not (name == "style" and breaker == "<!--"):
                raise ValueError(f"the page's {name} contains {breaker!r}")
    if "</style" in style.lower():
        raise ValueError("the page's style contains '</style'")
    # The template's indentation is for its readers; it holds no <pre> or text to keep.
    template = "\n".join(line.strip() for line in _read(TEMPLATE).splitlines() if line.strip())
    for slot in SLOTS:
        if template.count(slot) != 1:
            raise ValueError(f"{TEMPLATE} must hold {slot} exactly once")
    data = base64.b64encode(vault_bytes).decode("ascii") if vault_bytes else ""
    # One pass over the template, so text inside a slot is never taken for another slot.
    values = {
        "{{csp}}": content_security_policy(script, style),
        "{{style}}": style,
        "{{script}}": script,
        "{{worker}}": worker,
        "{{wasm}}": base64.b64encode(_read_bytes(READER_WASM)).decode("ascii"),
        "{{vault}}": data,
    }
    page = _SLOT.sub(lambda m: values[m.group(0)], template)
    return page.encode("utf-8")


def page_sha256(html: bytes) -> str:
    """The page's SHA-256 in hex, as `sha256sum` prints it."""
    return hashlib.sha256(html).hexdigest()


def write_page(out: str | Path, vault_bytes: bytes | None, force: bool = False) -> tuple[Path, str]:
    """Write the page (0600, atomically; refuses to replace a file unless force): path, SHA-256.

    vault_bytes is checked to be a well-formed vault first (no key needed), so a damaged
    file is refused here rather than found out in a browser after a disaster.
    """
    from vault.fileio import write_private

    if vault_bytes is not None:
        from vault.format import parse

        parse(vault_bytes)
    html = build_page(vault_bytes)
    return write_private(out, html, force), page_sha256(html)


MAX_PAGE_BYTES = 32 * 1024 * 1024  # a 16 MiB vault in base64 plus the page (~1.5 MB)
_VAULT_DATA = re.compile(
    rb'<script type="application/octet-stream" id="vault-data">([A-Za-z0-9+/=]*)</script>'
)


def is_genuine(html: bytes) -> bool:
    """Whether html is byte for byte the page this version writes (for the vault it holds).

    A modified copy could send a passphrase anywhere, so nothing short of identical passes:
    the embedded vault, if any, is taken from the copy and the page rebuilt around it.
    """
    found = _VAULT_DATA.search(html)
    if found is None:
        return False
    data = base64.b64decode(found.group(1)) if found.group(1) else None
    return build_page(data) == html
