"""``python -m ikdz_einvoice.batch_import DIR|ZIP``: take over a ZRL delivery batch.

Stores every accepted document with its ``received`` event, exactly as the upload does; the
running einvoice service's outbox relay publishes the events (its periodic scan finds them within
``IKDZ_OUTBOX_POLL_SECONDS``) and validates them. Prints one line per document; exit code 0 when all
were taken over, 1 when some were refused, 2 when the batch as a whole was refused.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from ikdz_contracts.reference.municipalities import load_municipalities
from pymongo import AsyncMongoClient

from ikdz_einvoice.adapters.config_files import load_leitweg_routing
from ikdz_einvoice.adapters.mongo_store import MongoInvoiceStore
from ikdz_einvoice.app.batch_import import BatchRefusedError, import_batch
from ikdz_einvoice.app.receive import ReceiveInvoice
from ikdz_einvoice.settings import Settings


class _RelayPollsLater:
    """This process runs no relay: the service's relay finds the documents on its next scan."""

    def notify(self, doc_id: object = None) -> None:
        del doc_id  # nothing to wake in this process


async def run(source: Path, settings: Settings) -> int:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        settings.mongodb_uri.get_secret_value(), tz_aware=True
    )
    try:
        store = MongoInvoiceStore(client[settings.database_name("einvoice")])
        await store.create_indexes()
        routing = load_leitweg_routing(settings.leitweg_file, {town.ags for town in load_municipalities()})
        receive = ReceiveInvoice(
            store,
            routing,
            settings.topics,
            lambda: datetime.now(UTC),
            _RelayPollsLater(),
            center_ags=settings.center_ags,
            max_bytes=settings.max_invoice_bytes,
        )
        try:
            lines = await import_batch(source, receive)
        except BatchRefusedError as error:
            print(f"Lieferung abgelehnt: {error}", file=sys.stderr)  # noqa: T201 - a command-line tool
            return 2
    finally:
        await client.close()
    for line in lines:
        if line.refusal:
            print(f"abgelehnt\t{line.name}\t{line.refusal}")  # noqa: T201
        else:
            print(f"{'bereits da' if line.replayed else 'angenommen'}\t{line.name}\t{line.invoice_id}")  # noqa: T201
    refused = sum(1 for line in lines if line.refusal)
    print(f"{len(lines) - refused} angenommen, {refused} abgelehnt", file=sys.stderr)  # noqa: T201
    return 1 if refused else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ikdz_einvoice.batch_import", description=__doc__)
    parser.add_argument("source", type=Path, help="directory or ZIP archive of XML invoices")
    args = parser.parse_args(argv)
    return asyncio.run(run(args.source, Settings()))


if __name__ == "__main__":
    raise SystemExit(main())
