"""Delivery batches as the ZRL hands them over: a directory or a ZIP; unsafe archives are refused whole."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ikdz_contracts.topics import Topics
from ikdz_einvoice.adapters.config_files import load_leitweg_routing
from ikdz_einvoice.app.batch_import import BatchRefusedError, import_batch
from ikdz_einvoice.app.receive import ReceiveInvoice

from .fakes import FakeInvoiceStore, FakeNotifier
from .support import CII_STANDARD, UBL_STANDARD, XXE

LIMIT = 1024 * 1024


def receiver(store: FakeInvoiceStore) -> ReceiveInvoice:
    return ReceiveInvoice(
        store,
        load_leitweg_routing(),
        Topics("t."),
        lambda: datetime(2026, 11, 25, tzinfo=UTC),
        FakeNotifier(),
        center_ags="14000000",
        max_bytes=LIMIT,
    )


async def test_a_directory_is_taken_over_document_by_document(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(UBL_STANDARD.read_bytes())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.xml").write_bytes(CII_STANDARD.read_bytes())
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.7 ...")
    (tmp_path / "d.xml").write_bytes(XXE)
    store = FakeInvoiceStore()

    lines = await import_batch(tmp_path, receiver(store))

    assert [(line.name, line.invoice_id is not None) for line in lines] == [
        ("a.xml", True),
        ("c.pdf", False),
        ("d.xml", False),
        ("sub/b.xml", True),
    ]
    assert all(line.refusal for line in lines if line.invoice_id is None)
    assert {i["channel"] for i in store.invoices.values()} == {"import"}
    assert len(store.events("einvoice.received.v1")) == 2


async def test_a_batch_delivered_twice_creates_nothing_twice(tmp_path: Path) -> None:
    archive = tmp_path / "lieferung.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("rechnung-1.xml", UBL_STANDARD.read_bytes())
    store = FakeInvoiceStore()

    first = await import_batch(archive, receiver(store))
    second = await import_batch(archive, receiver(store))

    assert second[0].replayed and second[0].invoice_id == first[0].invoice_id
    assert len(store.invoices) == 1


@pytest.mark.parametrize("name", ["../ausserhalb.xml", "/etc/passwd", "C:/windows/x.xml", "ok/../../x.xml"])
async def test_entries_leaving_the_batch_refuse_the_whole_archive(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "boese.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("gut.xml", UBL_STANDARD.read_bytes())
        zf.writestr(name, b"<x/>")
    store = FakeInvoiceStore()

    with pytest.raises(BatchRefusedError, match="leave the batch"):
        await import_batch(archive, receiver(store))
    assert store.invoices == {}


async def test_a_zip_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    archive = tmp_path / "bombe.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("gross.xml", b"<a>" + b"0" * (200 * 1024 * 1024) + b"</a>")
    assert archive.stat().st_size < 1024 * 1024
    store = FakeInvoiceStore()

    with pytest.raises(BatchRefusedError, match="ZIP bomb"):
        await import_batch(archive, receiver(store))
    assert store.invoices == {}


async def test_nested_archives_and_oversize_entries_are_refused_one_by_one(tmp_path: Path) -> None:
    archive = tmp_path / "lieferung.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("innen.zip", b"PK\x03\x04 whatever")
        zf.writestr("gross.xml", b"<a>" + b"x" * LIMIT + b"</a>")
        zf.writestr("gut.xml", UBL_STANDARD.read_bytes())
    store = FakeInvoiceStore()

    lines = {line.name: line for line in await import_batch(archive, receiver(store))}

    assert lines["innen.zip"].refusal == "Archive in Archiven werden nicht geöffnet."
    assert lines["gross.xml"].refusal == "Die Datei ist zu groß."
    assert lines["gut.xml"].invoice_id is not None


async def test_something_else_is_no_batch(tmp_path: Path) -> None:
    other = tmp_path / "rechnung.pdf"
    other.write_bytes(b"%PDF-1.4")
    with pytest.raises(BatchRefusedError, match="neither a directory nor a ZIP"):
        await import_batch(other, receiver(FakeInvoiceStore()))
