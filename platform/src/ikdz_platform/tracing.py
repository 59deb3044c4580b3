"""W3C trace context: requests start or continue a trace, and its ``traceparent`` travels in every
event caused by them (CloudEvents distributed-tracing extension), so one case's path through all
services can be followed in the logs."""

from __future__ import annotations

import re
import secrets

TRACEPARENT = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def continue_trace(header: str | None) -> str:
    """A child span of a valid incoming ``traceparent``; a new trace when there is none or it is invalid."""
    if header and TRACEPARENT.match(header.strip().lower()):
        trace_id = header.strip().lower().split("-")[1]
        return f"00-{trace_id}-{secrets.token_hex(8)}-01"
    return new_traceparent()
