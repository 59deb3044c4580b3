"""Tamper-evident audit entries: every record carries the hash of its predecessor and its own.

A case's chain starts at its routing decision; each task's changes chain from the decision's hash,
one after another by version. Changing, removing or reordering a stored record breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

GENESIS = "0" * 64
HASH_FIELDS = ("prev_hash", "hash")


def canonical_json(record: Mapping[str, Any]) -> str:
    """The record's content as hashed: sorted keys, no whitespace, without hash, outbox and ``_id`` fields."""
    content = {k: v for k, v in record.items() if k not in HASH_FIELDS and not k.startswith("outbox") and k != "_id"}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def text_hash(prev_hash: str, canonical: str) -> str:
    """SHA-256 over the predecessor's hash and a record's canonical JSON."""
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def record_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """SHA-256 over the predecessor's hash and the record's canonical JSON (without hash fields)."""
    return text_hash(prev_hash, canonical_json(record))


def sealed_head(record: Mapping[str, Any]) -> tuple[str, str]:
    """A chain's first record stored as its canonical JSON text, and that text's hash.

    Stored as one string, the record costs the store a fraction of a nested document (FerretDB v1
    converts every nested field of an insert), and the text is exactly what was hashed.
    """
    text = canonical_json(record)
    return text, text_hash(GENESIS, text)


def head_record(stored: str | Mapping[str, Any]) -> dict[str, Any]:
    """A chain's first record as stored by :func:`sealed_head`, or as a document (older stores)."""
    return dict(json.loads(stored)) if isinstance(stored, str) else dict(stored)


def chained(prev_hash: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with its chain fields set."""
    return {**record, "prev_hash": prev_hash, "hash": record_hash(prev_hash, record)}


def broken_links(anchor: str, records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Where a chain of records (in order) does not verify; empty when intact."""
    problems = []
    expected_prev = anchor
    for index, record in enumerate(records):
        if record.get("prev_hash") != expected_prev:
            problems.append(f"record {index}: does not follow its predecessor")
        if record.get("hash") != record_hash(str(record.get("prev_hash")), record):
            problems.append(f"record {index}: content does not match its hash")
        expected_prev = str(record.get("hash"))
    return problems
