"""Running the browser page's JavaScript modules in Node for the tests (tests/test_web_js*.py)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

RUNNER = Path(__file__).resolve().parent / "web_runner.mjs"
NODE = shutil.which("node")

if NODE is None and os.environ.get("CI") == "true":
    # CI must run these tests: a missing Node is a broken machine there, not a reason to skip.
    pytest.fail("Node.js is missing: apt-get install nodejs", pytrace=False)
needs_node = pytest.mark.skipif(NODE is None, reason="needs Node.js: apt-get install nodejs")


def b64(data: bytes) -> str:
    """Base64 text for the runner."""
    return base64.b64encode(data).decode()


def node(requests: list[dict[str, Any]], runner: Path = RUNNER, timeout: float = 600) -> list[Any]:
    """Answers of a Node runner (the JS modules' by default) to a batch, one Node process."""
    assert NODE is not None
    out = subprocess.run(
        [NODE, str(runner)],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    answers: list[Any] = json.loads(out.stdout)
    assert len(answers) == len(requests)
    return answers
