"""Trace context: continue a valid incoming trace, start a new one otherwise."""

from __future__ import annotations

import pytest
from ikdz_platform.tracing import TRACEPARENT, continue_trace, new_traceparent

INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_a_valid_trace_is_continued_with_a_new_span() -> None:
    child = continue_trace(INCOMING)
    assert TRACEPARENT.match(child)
    assert child.split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert child.split("-")[2] != "00f067aa0ba902b7"


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f-00f067aa0ba902b7-01"],
)
def test_a_missing_or_invalid_trace_starts_a_new_one(header: str | None) -> None:
    started = continue_trace(header)
    assert TRACEPARENT.match(started)
    assert started.split("-")[1] != "00000000000000000000000000000000"


def test_new_traces_differ() -> None:
    assert new_traceparent() != new_traceparent()
