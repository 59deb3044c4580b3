"""Unique names, so tests sharing one broker and one store never see each other's data."""

from __future__ import annotations

import uuid


def unique_topic_prefix() -> str:
    """A topic prefix like ``t3f9c2a1b7d.``, usable as ``IKDZ_TOPIC_PREFIX``."""
    return f"t{uuid.uuid4().hex[:10]}."


def unique_database_name(stem: str = "test") -> str:
    """A database name like ``test_3f9c2a1b7d0e`` (short: FerretDB/SQLite keep it as a file name)."""
    return f"{stem}_{uuid.uuid4().hex[:12]}"
