"""One contract for the store port, run against the in-memory fake and the real MongoDB-protocol store
(FerretDB locally): write-once inserts, first holder wins, versioned approvals, export claims, files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ikdz_einvoice.adapters.mongo_store import MongoInvoiceStore
from ikdz_platform.testing.infra import Infra
from pymongo import AsyncMongoClient

from .fakes import FakeInvoiceStore

AT = datetime(2026, 11, 25, 9, tzinfo=UTC)
OUTBOX = [{"id": "e1", "topic": "t", "key": "k", "value": b"{}", "headers": {"content-type": b"x"}}]


@pytest.fixture(params=["fake", pytest.param("mongo", marks=pytest.mark.infra)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "fake":
        yield FakeInvoiceStore()
        return
    infra: Infra = request.getfixturevalue("infra")
    name: str = request.getfixturevalue("mongo_db_name")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    mongo = MongoInvoiceStore(client[name])
    await mongo.create_indexes()
    yield mongo
    await client.close()


async def test_originals_are_kept_byte_for_byte_under_their_hash(store: Any) -> None:
    data = b"<Invoice>\xc3\xa4 \r\n</Invoice>"
    await store.store_original("a" * 64, data, AT)
    await store.store_original("a" * 64, b"other", AT)  # the same hash again changes nothing

    assert await store.original("a" * 64) == data
    assert await store.original("b" * 64) is None


async def test_an_invoice_is_inserted_once_per_id_and_per_bytes(store: Any) -> None:
    invoice = {"_id": "i1", "sha256": "a" * 64, "size": 3, "channel": "api", "received_at": AT}

    assert await store.insert_invoice(invoice, OUTBOX)
    assert not await store.insert_invoice({**invoice, "_id": "i2"}, OUTBOX)
    assert not await store.insert_invoice({**invoice, "sha256": "c" * 64}, OUTBOX)
    assert (await store.invoice_by_sha256("a" * 64))["_id"] == "i1"
    assert "outbox" not in await store.invoice("i1")


async def test_the_first_holder_of_a_duplicate_key_wins(store: Any) -> None:
    assert await store.claim_duplicate_key("VAT:DE1|R-1|invoice", "i1") == "i1"
    assert await store.claim_duplicate_key("VAT:DE1|R-1|invoice", "i2") == "i1"
    assert await store.claim_duplicate_key("VAT:DE1|R-1|invoice", "i1") == "i1"  # a redelivery


async def test_references_link_corrections_to_earlier_invoices(store: Any) -> None:
    await store.register_reference("VAT:DE1|R-1", "i1")
    await store.register_reference("VAT:DE1|R-1", "i1")

    assert await store.invoices_for_references(["VAT:DE1|R-1", "VAT:DE1|R-9"]) == ["i1"]
    assert await store.invoices_for_references([]) == []


async def test_approval_versions_are_written_once_and_read_in_order(store: Any) -> None:
    for version in (1, 0):
        record = {"_id": f"i1:{version:04d}", "invoice_id": "i1", "version": version, "owner_ags": "14729410"}
        assert await store.append_approval({**record, "events": [], "released": version == 1, "at": AT}, OUTBOX)
    clash = {
        "_id": "i1:0001",
        "invoice_id": "i1",
        "version": 1,
        "owner_ags": "14729410",
        "events": [],
        "released": False,
        "at": AT,
    }

    assert not await store.append_approval(clash, OUTBOX)
    assert [r["version"] for r in await store.approval_records("i1")] == [0, 1]
    assert [r["_id"] for r in await store.released_invoices("14729410")] == ["i1:0001"]
    assert await store.released_invoices("14522020") == []


async def test_an_invoice_is_claimed_by_one_export_and_an_abandoned_claim_moves_once(store: Any) -> None:
    assert await store.mark_exported("i1", "x1", AT)
    assert not await store.mark_exported("i1", "x2", AT)
    later = AT + timedelta(minutes=11)

    assert await store.move_mark("i1", "x1", "x3", later)
    assert not await store.move_mark("i1", "x1", "x4", later)  # someone moved it first
    marks = await store.export_marks(["i1", "i9"])
    assert list(marks) == ["i1"] and marks["i1"]["export_id"] == "x3"


async def test_export_files_with_dotted_names_come_back_byte_for_byte(store: Any) -> None:
    files = {"x1.pain.001.xml": b"<Document/>", "x1.buchungen.csv": "Kämmerei;1,00\r\n".encode()}
    await store.insert_export(
        {"_id": "x1", "owner_ags": "14729410", "created_at": AT, "invoice_ids": ["i1"], "files": files}, OUTBOX
    )

    assert (await store.export("x1"))["files"] == files
    assert [e["_id"] for e in await store.exports("14729410")] == ["x1"]
    assert await store.export("x9") is None


async def test_file_number_counters_count_per_key(store: Any) -> None:
    assert [await store.next_sequence("WUR-ERE-2026") for _ in range(3)] == [1, 2, 3]
    assert await store.next_sequence("AUG-ERE-2026") == 1
