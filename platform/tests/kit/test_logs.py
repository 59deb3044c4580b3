"""JSON log lines keep the traceback of a logged exception (run in a fresh interpreter: logging is global)."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import logging, structlog
from ikdz_platform.logs import configure_logging
configure_logging("test", json=True)
try:
    1 / 0
except ZeroDivisionError:
    structlog.get_logger("ikdz_platform.outbox").exception("outbox_relay_failed")
    logging.getLogger("aiokafka").exception("stdlib_failure")
"""


def test_a_logged_exception_carries_its_traceback_in_the_json_line() -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["event"] for line in lines] == ["outbox_relay_failed", "stdlib_failure"]
    for line in lines:
        assert "ZeroDivisionError: division by zero" in line["exception"]
        assert "Traceback" in line["exception"]
        assert line["service"] == "test"
