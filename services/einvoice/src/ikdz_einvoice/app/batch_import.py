"""Use case: take over a delivery batch as the ZRL hands it over: a directory or a ZIP of XML invoices.

Each document goes through the same intake as an upload (XML gate, original stored with its hash,
``received`` event), so a batch delivered twice creates nothing twice. Archives are read
defensively: entries whose names leave the batch (absolute, ``..``, drive letters) are refused,
as are too many entries, an entry larger than the invoice size cap (read with a cap, whatever the
archive header claims), a total beyond ``max_total_bytes`` and compression ratios typical of ZIP
bombs. Nested archives are not opened. Nothing in a batch is executed.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ikdz_einvoice.app.receive import ReceiveInvoice
from ikdz_einvoice.domain.errors import DocumentRefusedError, EinvoiceError

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 100
"""Uncompressed size / compressed size above which an entry counts as a ZIP bomb (XML compresses ~10-20x)."""


class BatchRefusedError(EinvoiceError):
    """The batch as a whole is refused (unsafe archive, not a directory or ZIP); nothing was stored."""


@dataclass(frozen=True)
class ImportLine:
    name: str
    invoice_id: str | None
    replayed: bool = False
    refusal: str | None = None
    """German reason when the document was refused."""


@dataclass(frozen=True)
class BatchItem:
    name: str
    data: bytes | None
    problem: str | None = None


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not (path.is_absolute() or ".." in path.parts or ":" in name or name.startswith("/"))


def read_zip(path: Path, max_entry_bytes: int, max_total_bytes: int = MAX_TOTAL_BYTES) -> list[BatchItem]:
    """The archive's files, checked before any is used; ``BatchRefusedError`` for an unsafe archive."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise BatchRefusedError(f"{path.name}: not a readable ZIP archive ({error})") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_ENTRIES:
            raise BatchRefusedError(f"{path.name}: {len(entries)} entries, at most {MAX_ENTRIES}")
        unsafe = [info.filename for info in entries if not _safe_name(info.filename)]
        if unsafe:
            raise BatchRefusedError(f"{path.name}: entries leave the batch: {', '.join(unsafe[:5])}")
        items, total = [], 0
        for info in entries:
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise BatchRefusedError(
                    f"{path.name}: {info.filename} expands {info.file_size // info.compress_size}x (ZIP bomb?)"
                )
            with archive.open(info) as stream:
                data = stream.read(max_entry_bytes + 1)  # never more, whatever the header says
            total += len(data)
            if total > max_total_bytes:
                raise BatchRefusedError(f"{path.name}: more than {max_total_bytes} bytes uncompressed")
            if len(data) > max_entry_bytes:
                items.append(BatchItem(info.filename, None, "Die Datei ist zu groß."))
            elif info.filename.lower().endswith(".zip"):
                items.append(BatchItem(info.filename, None, "Archive in Archiven werden nicht geöffnet."))
            else:
                items.append(BatchItem(info.filename, data))
        return items


def read_directory(path: Path, max_entry_bytes: int) -> Iterator[BatchItem]:
    """The directory's regular files in name order; links are not followed out of it."""
    root = path.resolve()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        name = str(file.relative_to(path))
        if file.is_symlink() or not file.resolve().is_relative_to(root):
            yield BatchItem(name, None, "Verknüpfungen aus dem Lieferverzeichnis heraus werden nicht gelesen.")
            continue
        with file.open("rb") as stream:
            data = stream.read(max_entry_bytes + 1)
        yield BatchItem(name, None, "Die Datei ist zu groß.") if len(data) > max_entry_bytes else BatchItem(name, data)


def read_batch(source: Path, max_entry_bytes: int) -> list[BatchItem]:
    """The documents of a directory or ZIP archive (blocking file I/O: run it in a thread)."""
    if source.is_dir():
        return list(read_directory(source, max_entry_bytes))
    if source.is_file() and zipfile.is_zipfile(source):
        return read_zip(source, max_entry_bytes)
    raise BatchRefusedError(f"{source}: neither a directory nor a ZIP archive")


async def import_batch(source: Path, receive: ReceiveInvoice) -> list[ImportLine]:
    """Receive every document of the batch; one line per document, refused ones with the reason."""
    items = await asyncio.to_thread(read_batch, source, receive.max_bytes)
    lines = []
    for item in items:
        if item.data is None:
            lines.append(ImportLine(item.name, None, refusal=item.problem))
            continue
        try:
            receipt = await receive(item.data, "import")
        except DocumentRefusedError as error:
            lines.append(ImportLine(item.name, None, refusal=error.message_de))
            continue
        lines.append(ImportLine(item.name, receipt.invoice_id, replayed=receipt.replayed))
    return lines
