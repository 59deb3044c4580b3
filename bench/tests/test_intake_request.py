"""bench/intake_request.py still drives the real intake app: every notice of the mix is accepted
(the script raises on any other answer) and each part gets a number."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "intake_request.py"


def test_the_parts_are_measured_on_the_real_app() -> None:
    done = subprocess.run(  # noqa: S603 - fixed argument list
        [sys.executable, str(SCRIPT), "--notices", "5"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    numbers = dict(re.findall(r"^\s+(\S[^\d\n]*?)\s+(\d+\.\d+)$", done.stdout, flags=re.MULTILINE))
    assert {
        "payload model (parse_payload)",
        "plausibility rules (validate)",
        "filing on a memory store",
        "whole request (ASGI app, memory store)",
    } <= numbers.keys(), done.stdout
    assert float(numbers["whole request (ASGI app, memory store)"]) > 0
