"""Trade-registration's automated use case in one process: CPU ms per notice, per part.

The full-stack ``bench/gewerbe.py`` says how much CPU trade-registration spends per notice; this
script says where, without Kafka or a store: the same notices (``bench/gewerbe_generator.py``'s
``AUTOMATED_PATH``, seed 7: permit-free Anmeldungen in Wurzen and Augustusburg, every other one
processed by the partner town under the agreement) go through ``ProcessWorkItem`` with the real
planner, renderer, exporter and step writer over in-memory stores (dicts and sets, so the store
costs next to nothing), in batches as the pool consumer hands them over.

CPU time (``time.process_time``, one thread) is taken around the whole batch and around each port
the use case calls, and printed per notice:

- ``decision``: the planner's plan (rules, decision table, fee, plan against the register as read);
- ``recipient XML``: the exporter (one message per recipient);
- ``events``: the rest of the step writer (recipients, event models, CloudEvent JSON, step document
  listing the documents issued);
- ``parse and rest``: payload parsing, the rounds of the batch, key claims, the in-memory stores.

The receipt and the fee notice are rendered on their first download, not when the notice is decided.
What that costs is printed apart, per notice (both documents downloaded once): the same notices
decided again (not measured), then each document fetched through ``CaseDocuments.get`` over the
in-memory stores: ``PDFs`` (the renderer) and ``parse and rest`` (finding the document in the case
file, parsing the notice and the issuing inputs, storing the bytes).

Run: ``uv run python bench/gewerbe_usecase.py [--notices 400] [--profile 30]``; ``--profile N``
runs the measured notices a second time under cProfile and prints the N functions with the most
own time and the N with the most cumulative time. Nothing is contacted; the numbers depend on what
else runs on the machine (the load average is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from gewerbe_generator import AUGUSTUSBURG, AUTOMATED_PATH, WURZEN, Generator
from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import Applicant, CaseSubmitted
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, parse_payload, to_payload
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_trade_registration.adapters.documents import PdfRenderer
from ikdz_trade_registration.adapters.fee_config import load_fee_config
from ikdz_trade_registration.adapters.xgewerbe_export import export_messages
from ikdz_trade_registration.app.documents import CaseDocuments
from ikdz_trade_registration.app.effects import CaseContext, Draft, StepWriter
from ikdz_trade_registration.app.notices import Planner, ProcessWorkItem
from ikdz_trade_registration.app.ports import Document, Exporter, KeyClaim, Renderer, StoredDocument
from ikdz_trade_registration.domain.fees import Fee
from ikdz_trade_registration.domain.flow import Plan, RegisterChange
from ikdz_trade_registration.domain.issuing import IssuingContext
from ikdz_trade_registration.domain.recipients import RecipientMessage
from ikdz_trade_registration.domain.registrations import Registration
from ikdz_trade_registration.domain.trades import Category

AGREEMENT = "ZV-IKDZ-2026-01 Wurzen/Augustusburg"
POOLS = {WURZEN: "wurzen", AUGUSTUSBURG: "augustusburg"}
PARTNER = {WURZEN: AUGUSTUSBURG, AUGUSTUSBURG: WURZEN}
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
PARTS = ("decision", "recipient XML", "events", "parse and rest")


class Meter:
    """CPU seconds per part, summed over the run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, part: str, started: float) -> None:
        self.seconds[part] += time.process_time() - started


class Steps:
    """Keeps only what the run checks: which steps were recorded and how many issued a receipt. Keeping
    the steps would leave the garbage collector a growing heap to walk, which the service does not have."""

    def __init__(self) -> None:
        self.recorded: set[str] = set()
        self.receipts = 0

    async def stored(self, step_ids: Sequence[str]) -> list[Document]:
        raise NotImplementedError  # only for redeliveries, which this run has none of

    async def record_all(self, steps: Sequence[tuple[Document, list[Document]]]) -> set[str]:
        inserted = {step["_id"] for step, _ in steps} - self.recorded
        self.recorded |= inserted
        self.receipts += sum(
            any(".receipt.issued." in entry["value"][:400] for entry in outbox)
            for step, outbox in steps
            if step["_id"] in inserted
        )
        return inserted

    async def of_case(self, case_id: str) -> list[Document]:
        raise NotImplementedError  # not on the automated path


class Register:
    """The register as dicts, looked up by holder key and id as the store's indexes do."""

    def __init__(self) -> None:
        self.registrations: dict[str, Registration] = {}
        self.by_holder: dict[str, set[str]] = defaultdict(set)
        self.keys: dict[str, str] = {}

    async def candidates(self, holder_keys: Sequence[str], registration_ids: Sequence[str]) -> list[Registration]:
        ids = {i for key in holder_keys for i in self.by_holder.get(key, ())} | set(registration_ids)
        return [self.registrations[i] for i in sorted(ids) if i in self.registrations]

    async def claim_all(self, claims: Sequence[tuple[str, str]]) -> list[KeyClaim]:
        claimed = []
        for key, registration_id in claims:
            new = key not in self.keys
            claimed.append(KeyClaim(self.keys.setdefault(key, registration_id), new))
        return claimed

    async def release_all(self, claims: Sequence[tuple[str, str]]) -> None:
        for key, registration_id in claims:
            if self.keys.get(key) == registration_id:
                del self.keys[key]

    async def apply_all(self, changes: Sequence[RegisterChange]) -> None:
        for change in changes:
            registration = change.registration
            self.registrations[registration.registration_id] = registration
            self.by_holder[registration.holder_key].add(registration.registration_id)
            if change.release_key is not None:
                await self.release_all([(change.release_key, registration.registration_id)])
            if change.hold_key is not None:
                self.keys.setdefault(change.hold_key, registration.registration_id)


class KeptSteps(Steps):
    """Keeps the steps too, for the downloads after the run."""

    def __init__(self) -> None:
        super().__init__()
        self.by_case: dict[str, list[Document]] = defaultdict(list)

    async def record_all(self, steps: Sequence[tuple[Document, list[Document]]]) -> set[str]:
        inserted = await super().record_all(steps)
        for step, _ in steps:
            if step["_id"] in inserted:
                self.by_case[step["case_id"]].append(step)
        return inserted

    async def of_case(self, case_id: str) -> list[Document]:
        return self.by_case[case_id]


class Documents:
    """The documents rendered on download, as a dict."""

    def __init__(self) -> None:
        self.stored: dict[str, StoredDocument] = {}

    async def get(self, case_id: str, document_id: str) -> StoredDocument | None:
        document = self.stored.get(document_id)
        return document if document is not None and document.case_id == case_id else None

    async def put(self, document: StoredDocument) -> StoredDocument:
        return self.stored.setdefault(document.document_id, document)


class TimedRenderer:
    def __init__(self, renderer: Renderer, meter: Meter) -> None:
        self._renderer, self._meter = renderer, meter

    def receipt(self, app: Gewerbeanzeige, ctx: IssuingContext) -> bytes:
        started = time.process_time()
        try:
            return self._renderer.receipt(app, ctx)
        finally:
            self._meter.add("PDFs", started)

    def fee_notice(self, app: Gewerbeanzeige, ctx: IssuingContext, fee: Fee) -> bytes:
        started = time.process_time()
        try:
            return self._renderer.fee_notice(app, ctx, fee)
        finally:
            self._meter.add("PDFs", started)


class TimedExporter:
    def __init__(self, exporter: Exporter, meter: Meter) -> None:
        self._exporter, self._meter = exporter, meter

    def __call__(self, messages: Sequence[RecipientMessage]) -> list[bytes]:
        started = time.process_time()
        try:
            return self._exporter(messages)
        finally:
            self._meter.add("recipient XML", started)


class TimedPlanner(Planner):
    def __init__(self, *args: Any, meter: Meter) -> None:
        super().__init__(*args)
        self._meter = meter

    def plan(
        self,
        case: CaseContext,
        app: Gewerbeanzeige,
        cleared: frozenset[Category],
        today: date,
        registrations: Sequence[Registration],
    ) -> Plan:
        started = time.process_time()
        try:
            return super().plan(case, app, cleared, today, registrations)
        finally:
            self._meter.add("decision", started)


class TimedWriter(StepWriter):
    """The step writer; its time less the exporter's is counted as ``events``."""

    def __init__(self, *args: Any, meter: Meter) -> None:
        super().__init__(*args)
        self._meter = meter

    def draft(self, *args: Any, **kwargs: Any) -> Draft:
        started = time.process_time()
        try:
            return super().draft(*args, **kwargs)
        finally:
            self._meter.add("writer", started)


def work_items(count: int, seed: int) -> list[CloudEvent[CaseSubmitted]]:
    """The notices ``bench/gewerbe.py`` sends, as routing hands them over (payload as intake stores it)."""
    cases = Generator(seed, NOW.date(), AUTOMATED_PATH).cases(count)
    items = []
    for n, case in enumerate(cases):
        owner = case.owner_ags
        processing = owner if n % 2 == 0 else PARTNER[owner]
        case_id = f"bench-{n:06d}"
        notice = parse_payload(case.payload)
        data = CaseSubmitted(
            case_id=case_id,
            file_number=f"{'WUR' if owner == WURZEN else 'AUG'}-GEW-2026-{n:06d}",
            service=ServiceId.TRADE_REGISTRATION,
            owner_ags=owner,
            submitted_at=NOW,
            channel="api",
            applicant=Applicant(
                kind="legal_entity" if notice.company is not None else "natural_person", name=notice.holder_name
            ),
            payload=to_payload(notice),
            required_skills=["gewerbe"],
        )
        item = new_event(
            data,
            source="urn:ikdz:routing",
            subject=case_id,
            ownerags=owner,
            processingags=processing,
            agreementref=AGREEMENT if processing != owner else None,
        )
        items.append(item)
    return items


def service(meter: Meter, steps: Steps) -> ProcessWorkItem:
    municipalities = load_municipalities()
    fees = load_fee_config()
    wz = wz_catalogue()
    register = Register()
    planner = TimedPlanner(register, wz, fees, {m.ags: m.display_name for m in municipalities}, meter=meter)
    writer = TimedWriter(
        TimedExporter(export_messages, meter),
        wz,
        fees,
        municipalities,
        Topics("bench."),
        meter=meter,
    )
    return ProcessWorkItem(steps, register, planner, writer, lambda: NOW)


async def run(
    items: Sequence[CloudEvent[CaseSubmitted]], batch: int, meter: Meter, steps: Steps | None = None
) -> float:
    """Process the items in batches per pool, as the consumer hands them over; CPU seconds in all."""
    steps = steps or Steps()
    process = service(meter, steps)
    by_pool: dict[str, list[CloudEvent[CaseSubmitted]]] = defaultdict(list)
    for item in items:
        by_pool[POOLS[str(item.processingags)]].append(item)
    started = time.process_time()
    for pool, pool_items in by_pool.items():
        for i in range(0, len(pool_items), batch):
            await process.batch(pool, pool_items[i : i + batch])
    total = time.process_time() - started
    if steps.receipts != len(items):
        msg = f"{len(items) - steps.receipts} of {len(items)} notices got no receipt: not the automated path"
        raise SystemExit(msg)
    return total


async def download(items: Sequence[CloudEvent[CaseSubmitted]], batch: int, meter: Meter) -> tuple[float, int]:
    """Decide the items (not measured), then fetch each document they issued once (its first download);
    CPU seconds of the downloads and how many documents."""
    steps = KeptSteps()
    await run(items, batch, Meter(), steps)
    documents = CaseDocuments(steps, Documents(), TimedRenderer(PdfRenderer(), meter))
    listed = [
        (item.data.case_id, d.document_id)
        for item in items
        for d in await documents.listed(item.data.case_id, frozenset({str(item.ownerags)}))
    ]
    started = time.process_time()
    for case_id, document_id in listed:
        await documents.get(case_id, document_id, None)
    return time.process_time() - started, len(listed)


def report(meter: Meter, total: float, notices: int) -> list[str]:
    s = meter.seconds
    parts = {
        "decision": s["decision"],
        "recipient XML": s["recipient XML"],
        "events": s["writer"] - s["recipient XML"],
        "parse and rest": total - s["writer"] - s["decision"],
    }
    lines = [f"{'part':<16} {'CPU ms/notice':>14} {'share':>7}"]
    lines += [f"{name:<16} {parts[name] * 1000 / notices:>14.2f} {parts[name] / total:>7.0%}" for name in PARTS]
    lines.append(f"{'total':<16} {total * 1000 / notices:>14.2f} {1:>7.0%}")
    return lines


def download_report(meter: Meter, total: float, notices: int, documents: int) -> list[str]:
    pdfs = meter.seconds["PDFs"]
    lines = [f"on first download (not on the automated path): {documents} documents of the {notices} notices"]
    lines.append(f"{'part':<16} {'CPU ms/notice':>14} {'share':>7}")
    lines += [
        f"{name:<16} {seconds * 1000 / notices:>14.2f} {seconds / total:>7.0%}"
        for name, seconds in (("PDFs", pdfs), ("parse and rest", total - pdfs), ("total", total))
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--notices", type=int, default=400, help="measured notices (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=40, help="notices before measuring (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=20, help="work items per consumer batch (default: %(default)s)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also print a cProfile top N")
    args = parser.parse_args(argv)

    items = work_items(args.warmup + args.notices, args.seed)
    asyncio.run(run(items[: args.warmup], args.batch, Meter()))
    meter = Meter()
    total = asyncio.run(run(items[args.warmup :], args.batch, meter))
    print(f"trade-registration use case in-process: {args.notices} notices (seed {args.seed}, batches of {args.batch})")
    print("\n".join(report(meter, total, args.notices)))
    asyncio.run(download(items[: args.warmup], args.batch, Meter()))
    rendered = Meter()
    seconds, documents = asyncio.run(download(items[args.warmup :], args.batch, rendered))
    print("\n".join(download_report(rendered, seconds, args.notices, documents)))
    print(
        f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (CPU time: less affected by other load than wall time, but not immune)"
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(run(items[args.warmup :], args.batch, Meter()))
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
