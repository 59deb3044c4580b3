"""Intake's CPU per Gewerbe notice, in-process: where the ~7 ms per notice of bench/gewerbe.py's CPU table go.

``bench/gewerbe.py`` reads intake's CPU from /proc while the whole stack shares the two cores. This
script takes the intake app apart on the notices that benchmark sends (``bench/gewerbe_generator.py``,
permit-free Anmeldungen, seed 11) and measures CPU with ``time.process_time`` (user + system of this
process):

1. **parts**, each timed alone over the same notices (the best of ``--repeat`` rounds): reading the
   JSON body; the payload model (``parse_payload``); the plausibility rules; the whole check (model,
   rules, German messages); filing (check, submission, case document and ``case.submitted`` event)
   on an in-memory store; the BSON encoding pymongo does for the stored case; and the whole request
   through the real app (``create_app`` with an in-memory case store instead of MongoDB), called as
   uvicorn calls it (a direct ASGI call, no HTTP client in the process). Derived: case document and
   event = filing - check; HTTP/ASGI = request - filing - JSON body. uvicorn's HTTP parsing
   (httptools) is not in it.
2. with ``--infra``: the unchanged app on a throw-away FerretDB of its own and the Kafka of
   ``KAFKA_BOOTSTRAP_SERVERS`` (topics under a unique prefix), lifespan started as in production.
   *submit*: ``--notices`` notices offered at ``--rate`` per s (open loop), until their
   ``case.submitted`` events are published (group commit, outbox relay, producer). *statuses*: the
   ``case.status`` events routing and trade-registration send per Gewerbe case (routed; completed
   with two documents), produced at twice that rate by a child process (connected before the
   clock starts; its CPU is not counted), until the status projection handled them. Per notice:
   intake's CPU, FerretDB's CPU (from /proc), and the store commands intake sent, by kind.

``--profile N`` adds the top N functions of a cProfile (CPU clock) of the whole-request phase (and of
the infra phases). Run: ``uv run python bench/intake_request.py [--notices 1000] [--infra]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any
from unittest import mock

import bson
from e2e import cpu_seconds
from gewerbe_generator import AUTOMATED_PATH, Generator
from ikdz_contracts.cloudevents import encode, new_event
from ikdz_contracts.events import CaseDocument, CaseState, CaseStatus
from ikdz_contracts.payloads.gewerbe import parse_payload
from ikdz_contracts.payloads.gewerbe_rules import RuleContext, validate
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_intake import bootstrap
from ikdz_intake.adapters.mongo_cases import stored_form
from ikdz_intake.app.gewerbe import CheckGewerbeanzeige, FileGewerbeanzeige
from ikdz_intake.app.submit_case import SubmitCase
from ikdz_intake.domain.case import StatusEntry
from ikdz_intake.settings import IntakeSettings
from ikdz_platform.localinfra import LocalFerretDB
from ikdz_platform.testing.store_commands import StoreCommands
from prometheus_client import REGISTRY
from pymongo import monitoring

URL = "/api/v1/gewerbeanzeigen"
SEED = 11  # bench/gewerbe.py's default seed
JSON = "JSON body (json.loads)"
CHECK = "check: model + rules + messages"
FILING = "filing on a memory store"
REQUEST = "whole request (ASGI app, memory store)"

Document = dict[str, Any]
Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class MemoryCases:
    """Intake's case store in memory (the ``CaseRepository`` port), so that the request path is
    measured without store I/O; built by ``create_app`` in place of ``MongoCaseRepository``."""

    def __init__(self, *_: object, **__: object) -> None:
        self.cases: dict[str, Document] = {}
        self._numbers: Counter[str] = Counter()

    async def create_indexes(self) -> None:
        """Nothing to index."""

    async def next_sequence(self, counter: str) -> int:
        self._numbers[counter] += 1
        return self._numbers[counter]

    async def insert(self, case: Document, outbox: list[Document]) -> None:
        self.cases[case["_id"]] = {**stored_form(case), "outbox": outbox}  # as MongoCaseRepository inserts it

    async def find_by_idempotency_key(self, key: str) -> Document | None:
        raise NotImplementedError  # every key of this benchmark is new

    async def get(self, case_id: str) -> Document | None:
        raise NotImplementedError  # no request of this benchmark reads a case

    async def add_statuses(self, items: Sequence[tuple[str, StatusEntry, str]]) -> set[str]:
        return {event_id for _, _, event_id in items}


async def asgi_post(app: Asgi, body: bytes, key: str) -> tuple[int, bytes]:
    """POST ``body`` to the Gewerbe API as uvicorn hands a parsed request to the app."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"idempotency-key", key.encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    done = asyncio.Event()
    received = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)


def notices(count: int, today: date) -> list[bytes]:
    """The JSON bodies bench/gewerbe.py sends (as httpx encodes them)."""
    return [json.dumps(case.payload).encode() for case in Generator(SEED, today, AUTOMATED_PATH).cases(count)]


def app_settings(**env: str) -> IntakeSettings:
    with mock.patch.dict(os.environ, env):
        return IntakeSettings(log_json=True, log_level="WARNING")


@contextmanager
def cpu_profile(enabled: bool, report: list[str], title: str, top: int) -> Iterator[None]:
    """cProfile with the CPU clock (a wall clock would count waiting for the store as work)."""
    if not enabled:
        yield
        return
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
        report += [f"\n== cProfile (CPU clock): {title}, by own time ==", out.getvalue().split("\n", 4)[-1].rstrip()]


# ---------------------------------------------------------------------------------------------- parts


def cpu_ms(n: int, work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return 1000 * (time.process_time() - started) / n


async def acpu_ms(n: int, work: Callable[[], Awaitable[object]]) -> float:
    started = time.process_time()
    await work()
    return 1000 * (time.process_time() - started) / n


async def measure_parts(bodies: list[bytes], today: date, args: argparse.Namespace) -> list[str]:
    n = len(bodies)
    municipalities = load_municipalities()
    wz = wz_catalogue()
    towns = {town.ags: town.display_name for town in municipalities}
    check = CheckGewerbeanzeige(wz, towns)
    context = RuleContext(today=today, wz=wz, town_names=towns)
    payloads = [json.loads(body) for body in bodies]
    parsed = [parse_payload(p) for p in payloads]
    store = MemoryCases()
    file_notice = FileGewerbeanzeige(
        check,
        SubmitCase(store, municipalities, Topics("bench."), lambda: datetime.now(UTC)),  # type: ignore[arg-type]
    )
    app = bootstrap_app_in_memory()

    async def file_all() -> None:
        store.cases.clear()
        for i, payload in enumerate(payloads):
            await file_notice(payload, today=today, channel="api", idempotency_key=f"parts-{i:07d}")

    async def post_all(tag: str) -> None:
        for i, body in enumerate(bodies):
            status, answer = await asgi_post(app, body, f"{tag}-{i:07d}")
            if status != 201:
                raise RuntimeError(answer.decode()[:300])

    best: dict[str, float] = {}
    for round_ in range(1 + args.repeat):  # round 0 warms caches and lazily built validators
        times = {
            JSON: cpu_ms(n, lambda: [json.loads(b) for b in bodies]),
            "payload model (parse_payload)": cpu_ms(n, lambda: [parse_payload(p) for p in payloads]),
            "plausibility rules (validate)": cpu_ms(n, lambda: [validate(x, context) for x in parsed]),
            CHECK: cpu_ms(n, lambda: [check(p, today) for p in payloads]),
            FILING: await acpu_ms(n, file_all),
            "BSON encoding of the stored case": cpu_ms(n, lambda: [bson.encode(d) for d in store.cases.values()]),
            REQUEST: await acpu_ms(n, lambda tag=f"r{round_}": post_all(tag)),
        }
        if round_ > 0:
            best = {label: min(ms, best.get(label, ms)) for label, ms in times.items()}
    report: list[str] = []
    with cpu_profile(args.profile > 0, report, "whole request, memory store", args.profile):
        await post_all("profiled")  # apart: the profiler's own cost is not in the numbers above

    sample = next(iter(store.cases.values()))
    lines = [f"\n== parts, CPU ms per notice ({n} notices; each part timed alone, best of {args.repeat}) =="]
    lines += [f"  {label:<44}{ms:>7.3f}" for label, ms in best.items()]
    lines.append("  derived:")
    lines.append(f"    {'case document + event (filing - check)':<42}{best[FILING] - best[CHECK]:>7.3f}")
    lines.append(
        f"    {'HTTP/ASGI (request - filing - JSON body)':<42}{best[REQUEST] - best[FILING] - best[JSON]:>7.3f}"
    )
    lines.append(
        f"  stored case document: {len(bson.encode(sample))} bytes BSON, {count_fields(sample)} fields "
        f"(nested included; FerretDB v1's insert cost grows with them)"
    )
    return lines + report


def count_fields(value: Any) -> int:
    """Fields of a document, nested ones and array items included."""
    if isinstance(value, dict):
        return sum(1 + count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


def bootstrap_app_in_memory() -> Asgi:
    """``create_app`` unchanged but for the case store (in memory); nothing connects, no lifespan."""
    with mock.patch.object(bootstrap, "MongoCaseRepository", MemoryCases):
        return bootstrap.create_app(
            app_settings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9", MONGODB_URI="mongodb://127.0.0.1:9")
        )


# ---------------------------------------------------------------------------------------------- infra


STATUSES = (CaseState.ROUTED, CaseState.COMPLETED)
"""What a Gewerbe case of the automated path sends: routing's "routed", trade-registration's "completed"."""


def status_records(case_ids: Sequence[str], file_numbers: Sequence[str]) -> list[tuple[bytes, bytes]]:
    """(key, value) of the ``case.status`` events routing and trade-registration send per case."""
    records = []
    documents = [
        CaseDocument(document_id=secrets.token_hex(8), title_de=title, media_type="application/pdf")
        for title in ("Empfangsbescheinigung", "Gebührenbescheid")
    ]
    for case_id, number in zip(case_ids, file_numbers, strict=True):
        now = datetime.now(UTC)
        for offset, state in enumerate(STATUSES):
            final = state is CaseState.COMPLETED
            data = CaseStatus(
                case_id=case_id,
                file_number=number,
                service=ServiceId.TRADE_REGISTRATION,
                owner_ags="14729410",
                state=state,
                label_de=state.label_de,
                message_de="Ihre Gewerbeanmeldung ist eingetragen." if final else None,
                processing_ags="14729410",
                processing_town="Wurzen",
                pool_id="wurzen",
                occurred_at=now + timedelta(milliseconds=offset),
                documents=documents if final else None,
            )
            event = new_event(
                data, source="urn:ikdz:bench", subject=case_id, ownerags="14729410", time=data.occurred_at
            )
            records.append((case_id.encode(), encode(event)))
    return records


def produce_paced(
    bootstrap_servers: str,
    topic: str,
    records: list[tuple[bytes, bytes]],
    per_second: float,
    ready: EventType,
    go: EventType,
) -> None:
    """Child process: once connected say ``ready``; on ``go`` send ``records`` at ``per_second``
    (routing's and trade-registration's part)."""
    from aiokafka import AIOKafkaProducer  # noqa: PLC0415 - the child needs only this

    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, linger_ms=2)
        await producer.start()
        try:
            ready.set()
            await asyncio.to_thread(go.wait)
            started = time.monotonic()
            pending = []
            for i, (key, value) in enumerate(records):
                delay = started + i / per_second - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(await producer.send(topic, value, key=key))
            await asyncio.gather(*pending)
        finally:
            await producer.stop()

    asyncio.run(run())


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def wait_for(what: str, reached: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while not reached():
        if time.monotonic() > deadline:
            msg = f"timed out waiting for {what}"
            raise RuntimeError(msg)
        await asyncio.sleep(0.05)


class Phase:
    """CPU of this process and of FerretDB, and the store commands, over one phase."""

    def __init__(self, ferretdb_pid: int, commands: StoreCommands) -> None:
        self._pid = ferretdb_pid
        self._commands = commands

    def __enter__(self) -> Phase:
        self._commands.sent.clear()
        self._times = os.times()
        self._ferret = cpu_seconds(self._pid)
        self._wall = time.monotonic()
        return self

    def __exit__(self, *_: object) -> None:
        now = os.times()
        self.user = now.user - self._times.user
        self.system = now.system - self._times.system
        self.ferretdb = cpu_seconds(self._pid) - self._ferret
        self.wall = time.monotonic() - self._wall
        self.commands = Counter(f"{c.name} {c.collection}" for c in self._commands.sent)

    def lines(self, title: str, notices: int) -> list[str]:
        per = 1000 / notices
        out = [
            f"\n== {title}: {notices} notices, {self.wall:.1f} s ==",
            f"  intake   {(self.user + self.system) * per:>7.2f} ms/notice (user {self.user * per:.2f}, system {self.system * per:.2f})",
            f"  ferretdb {self.ferretdb * per:>7.2f} ms/notice",
            f"  store commands per notice ({sum(self.commands.values()) / notices:.2f} in all):",
        ]
        out += [
            f"    {name:<44}{count / notices:>7.3f}"
            for name, count in sorted(self.commands.items(), key=lambda item: -item[1])
        ]
        return out


class InfraRun:
    """The real app on the real store and broker: notices in, their status events after."""

    def __init__(self, app: Any, settings: IntakeSettings, args: argparse.Namespace, run_id: str) -> None:
        self.app = app
        self.settings = settings
        self.args = args
        self.run_id = run_id
        self.topics = Topics(settings.topic_prefix)

    async def submit(self, batch: Sequence[bytes], tag: str) -> list[dict[str, Any]]:
        """Offer ``batch`` at ``--rate`` (open loop); return once their ``case.submitted`` went out."""
        published = metric("ikdz_outbox_published_total", topic=self.topics.case_submitted)
        started = time.monotonic()

        async def one(i: int, body: bytes) -> dict[str, Any]:
            await asyncio.sleep(max(0.0, started + i / self.args.rate - time.monotonic()))
            status, answer = await asgi_post(self.app, body, f"{tag}-{self.run_id}-{i:07d}")
            if status != 201:
                raise RuntimeError(answer.decode()[:300])
            return dict(json.loads(answer))

        answers = await asyncio.gather(*(one(i, body) for i, body in enumerate(batch)))
        await wait_for(
            "case.submitted published",
            lambda: metric("ikdz_outbox_published_total", topic=self.topics.case_submitted) >= published + len(batch),
            60,
        )
        return answers

    async def statuses(self, answers: Sequence[dict[str, Any]], measured: AbstractContextManager[object]) -> None:
        """Three status events per case from a child process; ``measured`` covers sending and
        handling only (the child connects first)."""
        topic = self.topics.case_status
        consumed = metric("ikdz_messages_consumed_total", topic=topic, outcome="ok")
        records = status_records([a["case_id"] for a in answers], [a["file_number"] for a in answers])
        spawn = multiprocessing.get_context("spawn")
        ready, go = spawn.Event(), spawn.Event()
        servers = self.settings.kafka_bootstrap_servers
        child = spawn.Process(
            target=produce_paced, args=(servers, topic, records, len(STATUSES) * self.args.rate, ready, go)
        )
        child.start()
        try:
            if not await asyncio.to_thread(ready.wait, 60):
                msg = "the status producer did not connect"
                raise RuntimeError(msg)
            with measured:
                go.set()
                await wait_for(
                    "case.status handled",
                    lambda: (
                        metric("ikdz_messages_consumed_total", topic=topic, outcome="ok") >= consumed + len(records)
                    ),
                    120,
                )
        finally:
            go.set()
            await asyncio.to_thread(child.join, 30)


async def measure_infra(bodies: list[bytes], args: argparse.Namespace, uri: str, ferretdb_pid: int) -> list[str]:
    run_id = secrets.token_hex(4)
    commands = StoreCommands()
    monitoring.register(commands)  # every client created from now on reports to it
    settings = app_settings(
        MONGODB_URI=uri,
        IKDZ_TOPIC_PREFIX=f"bench-intake-{run_id}.",
        KAFKA_BOOTSTRAP_SERVERS=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
    )
    app = bootstrap.create_app(settings)
    run = InfraRun(app, settings, args, run_id)
    report: list[str] = []
    warm, counted = bodies[: args.warmup], bodies[args.warmup :]
    submitted, projected = Phase(ferretdb_pid, commands), Phase(ferretdb_pid, commands)
    async with app.router.lifespan_context(app):
        await run.statuses(await run.submit(warm, "warm"), nullcontext())
        with submitted:
            answers = await run.submit(counted, "fixed")
        await run.statuses(answers, projected)
        if args.profile:  # a round of its own: the profiler's cost is not in the numbers above
            with cpu_profile(True, report, "infra, submit", args.profile):
                answers = await run.submit(counted, "profiled")
            await run.statuses(answers, cpu_profile(True, report, "infra, statuses", args.profile))
        await app.state.runtime.mongo.drop_database(settings.database_name("intake"))
    title = f"infra, submit at {args.rate:g}/s (request, group commit, outbox relay to Kafka)"
    lines = submitted.lines(title, len(counted))
    title = (
        f"infra, {len(STATUSES)} case.status events per notice at {len(STATUSES) * args.rate:g}/s (status projection)"
    )
    return lines + projected.lines(title, len(counted)) + report


def on_own_ferretdb(work: Callable[[str, int], Awaitable[list[str]]]) -> list[str]:
    data_dir = Path(tempfile.mkdtemp(prefix="ikdz-bench-intake-"))
    server = LocalFerretDB(data_dir)
    try:
        server.start()
        assert server.pid is not None
        return asyncio.run(work(server.uri, server.pid))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000, help="notices per measured round (default: %(default)s)")
    parser.add_argument(
        "--infra", action="store_true", help="also on FerretDB (own) and Kafka (KAFKA_BOOTSTRAP_SERVERS)"
    )
    parser.add_argument("--rate", type=float, default=100.0, help="--infra: notices/s offered (default: %(default)s)")
    parser.add_argument(
        "--warmup", type=int, default=100, help="--infra: notices before measuring (default: %(default)s)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed rounds of the parts; the best counts (default: %(default)s)"
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N functions of a cProfile")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    today = bootstrap.berlin_today()
    print(
        f"intake CPU per notice {time.strftime('%Y-%m-%d %H:%M:%S')}, load average {os.getloadavg()[0]:.2f} (2 shared cores)"
    )
    lines = asyncio.run(measure_parts(notices(args.notices, today), today, args))
    if args.infra:
        bodies = notices(args.warmup + args.notices, today)
        lines += on_own_ferretdb(lambda uri, pid: measure_infra(bodies, args, uri, pid))
    print("\n".join(lines))
    print(f"\nload average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
