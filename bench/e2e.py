"""End-to-end benchmark on the real stack: submit→taken throughput, latency and memory.

Starts Kafka, FerretDB and the five services as processes (``ikdz_platform.stack.Stack``, free
loopback ports, a fresh data dir, a unique topic prefix), warms up, then runs

1. a fixed-rate phase: open-loop arrivals at ``--rate`` cases/s for ``--duration`` seconds, and
2. a full-speed phase: a closed loop keeping ``--concurrency`` POSTs in flight for
   ``--full-speed-cases`` cases,

and prints sustained cases/s, p50/p95/p99 latency from the POST to the ``case.status``
event by which the domain service took the case (its first status, see ``TAKEN``) on Kafka, a per-hop breakdown from the CloudEvent ``time`` attributes and the
Kafka record timestamps, CPU and RSS of every process, and ratios against the aims of the issue.

Run: ``uv run python bench/e2e.py [--rate 100 --duration 20] [--full-speed-cases 3000 --concurrency 64]``.
Exits 1 if a case was refused, a request failed, a case was never taken, a message was
dead-lettered or a process died; the aims are reported, not enforced (unless ``--fail-on-aims``).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiokafka import AIOKafkaConsumer
from http_pool import HttpError, HttpPool
from ikdz_contracts.testing import gewerbe_payload
from ikdz_contracts.topics import Topics
from ikdz_platform.stack import Stack, default_services

AIM_THROUGHPUT = 500.0  # cases/s sustained at full speed
AIM_P99_MS = 300.0  # ms submit→taken at the aim rate
AIM_RATE = 100.0  # cases/s at which the p99 aim applies
TAKEN = frozenset({"in_progress", "completed"})
"""The domain service's first status: it took the case ("In Bearbeitung"), or, for the benchmark's
permit-free Gewerbeanzeigen, completed it at once (any other state fails the run)."""

OWNER_AGS = ("14729410", "14522020")  # Wurzen, Augustusburg: both pilot towns, both pools
SITES = {  # a Betriebsstätte in each owner town, so the notices are plausible (docs/gewerbe.md)
    "14729410": {"street": "Markt", "postal_code": "04808", "city": "Wurzen", "municipality_ags": "14729410"},
    "14522020": {
        "street": "Marienberger Straße",
        "postal_code": "09573",
        "city": "Augustusburg",
        "municipality_ags": "14522020",
    },
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def case_body(n: int) -> dict[str, Any]:
    """A valid trade-registration case (the payload contract) of a holder of its own: one person
    with thousands of businesses would make every notice read all of them in the register."""
    person = gewerbe_payload()["persons"][0]
    born = date(1950, 1, 1) + timedelta(days=n % 18_000)
    return {
        "service": "trade-registration",
        "owner_ags": OWNER_AGS[n % 2],
        "applicant": {"kind": "natural_person", "name": "Erika Mustermann", "email": "erika@example.org"},
        "payload": gewerbe_payload(
            owner_ags=OWNER_AGS[n % 2],
            persons=[{**person, "date_of_birth": born.isoformat()}],
            establishment={
                "address": {**SITES[OWNER_AGS[n % 2]], "house_number": str(n)},
                "trade_name": f"Webdesign {n}",
            },
        ),
    }


# --------------------------------------------------------------------------------------------- stats


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:.0f}"  # noqa: PLR0124 - NaN check


def fmt_ms(seconds: float) -> str:
    if seconds != seconds:  # noqa: PLR0124 - NaN check
        return "-"
    value = seconds * 1000
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


# --------------------------------------------------------------------------------- processes (/proc)


@dataclasses.dataclass
class Watched:
    name: str
    pid: int
    rss_peak_kib: int = 0
    rss_last_kib: int = 0


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (0 if it is gone); the services fork no workers."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KIB
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (all its threads, not its children) so far."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    return 0.0


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / CLK_TCK, sum(fields) / CLK_TCK


class ProcessMonitor:
    """Samples RSS of every watched process; CPU snapshots mark the phases."""

    def __init__(self, processes: Iterable[Watched], interval: float = 0.5) -> None:
        self.processes = list(processes)
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        for proc in self.processes:
            kib = rss_kib(proc.pid)
            if kib:
                proc.rss_last_kib = kib
                proc.rss_peak_kib = max(proc.rss_peak_kib, kib)

    def cpu_snapshot(self) -> dict[str, float]:
        snapshot = {proc.name: cpu_seconds(proc.pid) for proc in self.processes}
        snapshot["__machine_busy"], snapshot["__machine_total"] = machine_cpu_seconds()
        snapshot["__wall"] = time.time()
        return snapshot

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="rss-sampler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()


# ------------------------------------------------------------------------------------ Kafka observer


@dataclasses.dataclass
class Seen:
    """What the observer read about one case: (event time, record timestamp) per event, receipt time."""

    submitted_time: float | None = None
    submitted_ts: float | None = None
    routed_time: float | None = None
    routed_ts: float | None = None
    taken_time: float | None = None
    taken_ts: float | None = None
    taken_recv: float | None = None
    taken_count: int = 0
    other_states: list[str] = dataclasses.field(default_factory=list)


def _event_time(event: dict[str, Any]) -> float:
    return datetime.fromisoformat(event["time"]).timestamp()


class TopicObserver(abc.ABC):
    """Reads topics from the start (no consumer group, nothing committed) in a background task and
    hands each record to :meth:`take` with the local time its batch arrived; a benchmark's observer
    says only which topics it reads and what it keeps of a record."""

    def __init__(
        self,
        bootstrap_servers: str,
        topics: Sequence[str],
        *,
        client_id: str,
        fetch_max_wait_ms: int = 100,
        poll_ms: int = 200,
    ) -> None:
        self._consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap_servers,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            fetch_max_wait_ms=fetch_max_wait_ms,
            client_id=client_id,
        )
        self._poll_ms = poll_ms
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=type(self).__name__)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _run(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=self._poll_ms, max_records=5000)
            received = time.time()
            for records in batch.values():
                for record in records:
                    self.take(record, received)

    @abc.abstractmethod
    def take(self, record: Any, received: float) -> None:
        """Keep what the benchmark needs of one ``aiokafka`` ConsumerRecord (topic, timestamp, value)."""


class Observer(TopicObserver):
    """Reads case.submitted, case.routed and case.status from the start (no consumer group)."""

    def __init__(self, bootstrap_servers: str, topics: Topics) -> None:
        super().__init__(
            bootstrap_servers,
            [topics.case_submitted, topics.case_routed, topics.case_status],
            client_id="ikdz-bench-observer",
        )
        self.topics = topics
        self.seen: dict[str, Seen] = defaultdict(Seen)
        self.records = 0

    def take(self, record: Any, received: float) -> None:
        self.records += 1
        topic, timestamp, event = record.topic, record.timestamp / 1000, json.loads(record.value)
        seen = self.seen[event["subject"]]
        if topic == self.topics.case_submitted:
            seen.submitted_time, seen.submitted_ts = _event_time(event), timestamp
        elif topic == self.topics.case_routed:
            seen.routed_time, seen.routed_ts = _event_time(event), timestamp
        elif event["data"]["state"] in TAKEN:
            seen.taken_count += 1
            if seen.taken_recv is None:
                seen.taken_time, seen.taken_ts = _event_time(event), timestamp
                seen.taken_recv = received
        elif event["data"]["state"] not in {"received", "routed"}:
            seen.other_states.append(event["data"]["state"])

    def done(self, case_id: str) -> bool:
        seen = self.seen.get(case_id)
        return seen is not None and seen.taken_recv is not None


# --------------------------------------------------------------------------------------------- load


@dataclasses.dataclass
class Request:
    n: int
    intended: float  # when the request should have started (open loop) or started (closed loop)
    started: float = 0.0
    finished: float = 0.0
    status: int | None = None
    error: str | None = None
    case_id: str | None = None


class Driver:
    """Sends cases to intake, one unique Idempotency-Key each, at most ``connections`` at a time.

    Requests beyond that wait here; one that waited longer than ``max_wait`` seconds is not sent and
    counts as failed ("client backlog"). Open-loop latency includes this wait. The requests go through
    ``bench/http_pool.py``, which leaves the stack under test the CPU httpx took.
    """

    def __init__(self, pool: HttpPool, run_id: str, connections: int, max_wait: float) -> None:
        self.pool = pool
        self.run_id = run_id
        self.max_wait = max_wait
        self._slots = asyncio.Semaphore(connections)
        self._numbers = itertools.count()

    async def post(self, phase: str, intended: float | None = None) -> Request:
        n = next(self._numbers)
        request = Request(n=n, intended=intended or time.time())
        try:
            async with asyncio.timeout(self.max_wait):
                await self._slots.acquire()
        except TimeoutError:
            request.started = request.finished = time.time()
            request.error = f"client backlog: not sent within {self.max_wait:g} s"
            return request
        try:
            request.started = time.time()
            await self._send(request, phase)
        finally:
            self._slots.release()
        request.finished = time.time()
        return request

    async def _send(self, request: Request, phase: str) -> None:
        body = json.dumps(case_body(request.n)).encode()
        await self.send_json(request, "/api/v1/cases", body, f"bench-{self.run_id}-{phase}-{request.n:07d}")

    async def send_json(self, request: Request, path: str, body: bytes, idempotency_key: str) -> None:
        """POST ``body`` and note the answer in ``request``: the case id of a 201, else the error."""
        try:
            status, answer = await self.pool.post_json(path, body, {"Idempotency-Key": idempotency_key})
        except HttpError as error:
            request.error = str(error)[:200]
            return
        request.status = status
        if status == 201:
            request.case_id = json.loads(answer)["case_id"]
        else:
            request.error = f"HTTP {status}: {answer[:200].decode(errors='replace')}"

    async def closed_loop(self, phase: str, total: int, concurrency: int, max_seconds: float) -> list[Request]:
        """``concurrency`` workers, each sending its next case as soon as the previous one is answered."""
        done: list[Request] = []
        numbers = iter(range(total))
        deadline = time.monotonic() + max_seconds

        async def worker() -> None:
            for _ in numbers:
                if time.monotonic() > deadline:
                    return
                done.append(await self.post(phase))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done

    async def open_loop(self, phase: str, rate: float, duration: float) -> list[Request]:
        """Arrivals every 1/rate seconds whether or not earlier requests were answered."""
        count = max(1, round(rate * duration))
        start = time.time() + 0.05
        tasks: list[asyncio.Task[Request]] = []
        for i in range(count):
            intended = start + i / rate
            delay = intended - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.post(phase, intended)))
        return list(await asyncio.gather(*tasks))


def intake_pool(stack: Stack, args: argparse.Namespace) -> HttpPool:
    """Keep-alive connections to intake, ``--connections`` of them, ``--http-timeout`` per request."""
    url = urlsplit(stack.service("intake").base_url)
    return HttpPool(url.hostname or "127.0.0.1", url.port or 80, args.connections, args.http_timeout)


async def wait_for_cases(
    case_ids: Sequence[str], done: Callable[[str], bool], within: float, interval: float = 0.1
) -> list[str]:
    """Wait until ``done`` holds for every case (an observer has seen what it waits for); returns the
    cases for which it did not within ``within`` seconds."""
    deadline = time.monotonic() + within
    missing = [c for c in case_ids if not done(c)]
    while missing and time.monotonic() < deadline:
        await asyncio.sleep(interval)
        missing = [c for c in missing if not done(c)]
    return missing


# ---------------------------------------------------------------------------------------- metrics


async def scrape_metrics(client: httpx.AsyncClient, urls: dict[str, str]) -> dict[str, dict[str, float]]:
    """Sum of each ``ikdz_*`` counter over its labels, per service (outcome labels kept apart)."""
    result: dict[str, dict[str, float]] = {}
    for name, url in urls.items():
        totals: dict[str, float] = defaultdict(float)
        try:
            text = (await client.get(f"{url}/metrics", timeout=5)).text
        except httpx.HTTPError:
            continue
        for line in text.splitlines():
            if not line.startswith("ikdz_") or "_created" in line.split("{")[0]:
                continue
            metric, _, value = line.rpartition(" ")
            base = metric.split("{")[0]
            if 'outcome="' in metric:
                base += ":" + metric.split('outcome="')[1].split('"')[0]
            totals[base] += float(value)
        result[name] = dict(totals)
    return result


def metric_delta(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    return {
        service: {key: value - before.get(service, {}).get(key, 0.0) for key, value in values.items()}
        for service, values in after.items()
    }


# -------------------------------------------------------------------------------------------- py-spy


class Profiler:
    """Optional ``py-spy record`` of each service during a phase (raw collapsed stacks)."""

    def __init__(self, out_dir: Path | None, pids: dict[str, int], rate: int) -> None:
        self.out_dir = out_dir
        self.pids = pids
        self.rate = rate
        self.binary = shutil.which("py-spy") if out_dir is not None else None
        self._running: list[tuple[str, Path, subprocess.Popen[bytes]]] = []

    def start(self, phase: str) -> None:
        if self.out_dir is None or self.binary is None:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in self.pids.items():
            out = self.out_dir / f"{phase}-{name}.txt"
            argv = [self.binary, "record", "--pid", str(pid), "--rate", str(self.rate), "--format", "raw"]
            argv += ["--output", str(out), "--nonblocking", "--duration", "600"]
            self._running.append(
                (name, out, subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # noqa: S603
            )

    def stop(self) -> list[tuple[str, Path]]:
        written = []
        for name, out, process in self._running:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if out.exists():
                written.append((name, out))
        self._running.clear()
        return written


def summarize_profile(path: Path, top: int) -> list[str]:
    """Top frames by inclusive share of samples (stdlib/site-packages frames shortened)."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short_frame(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += count
        leaf[frames[-1]] += count
    if not total:
        return ["  (no samples)"]
    lines = [f"  {total} samples; self time:"]
    lines += [f"    {100 * c / total:5.1f}%  {frame}" for frame, c in leaf.most_common(top)]
    lines.append("  inclusive (own code, excluding the event loop's and FastStream's plumbing):")
    own = [(f, c) for f, c in inclusive.most_common() if "ikdz_" in f]
    lines += [f"    {100 * c / total:5.1f}%  {frame}" for frame, c in own[:top]]
    return lines


def _short_frame(frame: str) -> str:
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    where = where.rsplit(":", 1)[0]
    return f"{name} ({where})"


# ---------------------------------------------------------------------------------------- analysis


@dataclasses.dataclass
class PhaseResult:
    name: str
    label: str
    requests: list[Request]
    missing: list[str]
    cpu_before: dict[str, float]
    cpu_after: dict[str, float]
    metrics: dict[str, dict[str, float]]
    observer: Observer
    closed_loop: bool

    @property
    def accepted(self) -> list[Request]:
        return [r for r in self.requests if r.case_id is not None]

    def latencies(self) -> list[float]:
        return [
            seen.taken_recv - r.intended
            for r in self.accepted
            if (seen := self.observer.seen.get(str(r.case_id))) and seen.taken_recv is not None
        ]

    def window(self) -> tuple[float, float, float]:
        """(start, last 201, last taken) wall times of this phase."""
        start = min(r.intended for r in self.requests)
        last_accept = max((r.finished for r in self.accepted), default=start)
        ends = [self.observer.seen[str(r.case_id)].taken_recv for r in self.accepted]
        last_done = max((e for e in ends if e is not None), default=last_accept)
        return start, last_accept, last_done

    def failures(self) -> list[str]:
        problems = []
        refused = [r for r in self.requests if r.case_id is None]
        if refused:
            kinds = Counter((r.error or "?").split(":")[0] for r in refused)
            problems.append(f"{len(refused)} requests not accepted ({dict(kinds)}); first: {refused[0].error}")
        if self.missing:
            problems.append(f"{len(self.missing)} accepted cases were never taken within the timeout")
        duplicates = sum(
            1 for r in self.accepted if (s := self.observer.seen.get(str(r.case_id))) and s.taken_count > 1
        )
        if duplicates:
            problems.append(f"{duplicates} cases were taken more than once (redelivery)")
        other = Counter(
            state for r in self.accepted if (s := self.observer.seen.get(str(r.case_id))) for state in s.other_states
        )
        if other:
            problems.append(f"unexpected states: {dict(other)}")
        for service, values in self.metrics.items():
            for key, value in values.items():
                if value and ("dead_letter" in key or "errors" in key):
                    problems.append(f"{service}: {key} +{value:.0f}")
        return problems

    def hops(self) -> list[tuple[str, list[float]]]:
        """Per-hop durations from event times (µs, the services' clocks) and record timestamps (ms)."""
        names = [
            "client → intake handler (HTTP, parse)",
            "intake: store + relay publish",
            "Kafka → routing decision",
            "routing: store + relay publish",
            "Kafka → domain service accept",
            "domain: store + relay publish",
            "Kafka → bench sees status",
        ]
        values: list[list[float]] = [[] for _ in names]
        for r in self.accepted:
            s = self.observer.seen.get(str(r.case_id))
            if s is None or s.taken_recv is None or s.submitted_time is None or s.routed_time is None:
                continue
            points = [
                r.intended,
                s.submitted_time,
                s.submitted_ts,
                s.routed_time,
                s.routed_ts,
                s.taken_time,
                s.taken_ts,
                s.taken_recv,
            ]
            if any(p is None for p in points):
                continue
            for i in range(len(names)):
                values[i].append(float(points[i + 1]) - float(points[i]))  # type: ignore[arg-type]
        return list(zip(names, values, strict=True))


def _cpu_used(phase: PhaseResult, name: str) -> float:
    return phase.cpu_after[name] - phase.cpu_before[name]


def _cpu_table(phases: Sequence[PhaseResult], processes: Sequence[Watched]) -> list[str]:
    """RSS (end, peak) and, per phase, CPU as % of one core and CPU ms per accepted case."""
    header = f"  {'process':<28}{'pid':>8}{'RSS end':>10}{'RSS peak':>10}"
    header += "".join(f"{'CPU ' + phase.name:>22}" for phase in phases)
    lines = [header]
    for proc in processes:
        line = f"  {proc.name:<28}{proc.pid:>8}{proc.rss_last_kib / 1024:>6.0f} MiB{proc.rss_peak_kib / 1024:>6.0f} MiB"
        for phase in phases:
            wall = phase.cpu_after["__wall"] - phase.cpu_before["__wall"]
            used = _cpu_used(phase, proc.name)
            line += f"{100 * used / wall:>8.0f}% {1000 * used / max(1, len(phase.accepted)):>6.2f} ms/case"
        lines.append(line)
    others = f"  {'other processes (not ours)':<28}{'':>8}{'':>10}{'':>10}"
    total = f"  {'total':<28}{'':>8}"
    total += f"{sum(p.rss_last_kib for p in processes) / 1024:>6.0f} MiB"
    total += f"{sum(p.rss_peak_kib for p in processes) / 1024:>6.0f} MiB"
    for phase in phases:
        wall = phase.cpu_after["__wall"] - phase.cpu_before["__wall"]
        busy = _cpu_used(phase, "__machine_busy")
        capacity = _cpu_used(phase, "__machine_total")
        ours = sum(_cpu_used(phase, proc.name) for proc in processes)
        others += f"{100 * max(busy - ours, 0.0) / wall:>8.0f}% {'':>14}"
        total += f"{100 * busy / wall:>8.0f}% {f'({100 * busy / max(capacity, 1e-9):.0f}% of all)':>14}"
    lines += [others, total]
    lines.append("  (CPU: % of one core over the phase, CPU ms per accepted case; 'total': whole machine)")
    return lines


def report_phase(phase: PhaseResult) -> list[str]:
    lines = [f"\n== {phase.label} =="]
    accepted = phase.accepted
    if not accepted:
        return [*lines, "  no case accepted", *[f"  !! {p}" for p in phase.failures()]]
    start, last_accept, last_done = phase.window()
    send_window = max(last_accept - start, 1e-9)
    done = [r for r in accepted if phase.observer.done(str(r.case_id))]
    e2e = phase.latencies()
    http = [r.finished - r.intended for r in accepted]
    lines.append(
        f"  sent {len(phase.requests)}, accepted (201) {len(accepted)}, taken {len(done)}, missing {len(phase.missing)}"
    )
    lines.append(
        f"  accepted: {len(accepted) / send_window:.1f} cases/s over {send_window:.2f} s; "
        f"taken: {len(done) / max(last_done - start, 1e-9):.1f} cases/s over {last_done - start:.2f} s "
        f"(drain after last 201: {1000 * (last_done - last_accept):.0f} ms)"
    )
    lines.append(f"  {'latency (ms)':<44}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}")
    for name, values in [("submit → taken seen on Kafka", e2e), ("HTTP POST → 201", http)]:
        lines.append(f"  {name:<44}" + "".join(f"{fmt_ms(percentile(values, q)):>8}" for q in (50, 95, 99, 100)))
    if not phase.closed_loop:
        lag = [r.started - r.intended for r in accepted]
        lines.append(
            f"  {'bench scheduling lag (open loop)':<44}"
            + "".join(f"{fmt_ms(percentile(lag, q)):>8}" for q in (50, 95, 99, 100))
        )
    lines.append("  per hop (ms; event time = service clock at the step, record timestamp = relay send):")
    for name, values in phase.hops():
        lines.append(f"    {name:<42}" + "".join(f"{fmt_ms(percentile(values, q)):>8}" for q in (50, 95, 99, 100)))
    lines += _timeline(phase, start)
    lines += _metrics_lines(phase)
    lines += [f"  !! {p}" for p in phase.failures()]
    return lines


def _timeline(phase: PhaseResult, start: float) -> list[str]:
    """p50 latency and taken count per slice of the phase, to show drift."""
    slices: dict[int, list[float]] = defaultdict(list)
    for r in phase.accepted:
        seen = phase.observer.seen.get(str(r.case_id))
        if seen is not None and seen.taken_recv is not None:
            slices[int((r.intended - start) // 5)].append(seen.taken_recv - r.intended)
    if len(slices) < 2:
        return []
    parts = [f"{5 * k}s:{ms(percentile(v, 50))}/{ms(percentile(v, 99))}" for k, v in sorted(slices.items())]
    return ["  drift, p50/p99 ms by 5 s slice of send time: " + "  ".join(parts)]


def _metrics_lines(phase: PhaseResult) -> list[str]:
    lines = ["  service counters during the phase (Prometheus /metrics):"]
    for service, values in phase.metrics.items():
        shown = ", ".join(f"{key.removeprefix('ikdz_')} {value:.0f}" for key, value in sorted(values.items()) if value)
        lines.append(f"    {service:<20}{shown or '-'}")
    return lines


def aim_lines(fixed: PhaseResult | None, full: PhaseResult | None) -> list[str]:
    lines = ["\n== against the aims (2 cores) =="]
    if full is not None and full.accepted:
        start, _, last_done = full.window()
        done = sum(1 for r in full.accepted if full.observer.done(str(r.case_id)))
        rate = done / max(last_done - start, 1e-9)
        verdict = "meets" if rate >= AIM_THROUGHPUT else "misses"
        lines.append(
            f"  sustained at full speed: {rate:.0f} cases/s (aim ≥ {AIM_THROUGHPUT:.0f}: {rate / AIM_THROUGHPUT:.2f}×, {verdict})"
        )
    if fixed is not None and fixed.accepted:
        p99 = percentile(fixed.latencies(), 99)
        verdict = "meets" if p99 * 1000 <= AIM_P99_MS else "misses"
        note = "" if fixed.name == f"{AIM_RATE:.0f}/s" else f"; the aim is stated at {AIM_RATE:.0f}/s"
        lines.append(
            f"  p99 at {fixed.name}: {p99 * 1000:.0f} ms (aim ≤ {AIM_P99_MS:.0f} ms: {p99 * 1000 / AIM_P99_MS:.2f}×, "
            f"{verdict}{note})"
        )
    return lines


def aims_met(fixed: PhaseResult | None, full: PhaseResult | None) -> bool:
    ok = True
    if full is not None and full.accepted:
        start, _, last_done = full.window()
        done = sum(1 for r in full.accepted if full.observer.done(str(r.case_id)))
        ok &= done / max(last_done - start, 1e-9) >= AIM_THROUGHPUT
    if fixed is not None and fixed.accepted:
        ok &= percentile(fixed.latencies(), 99) * 1000 <= AIM_P99_MS
    return ok


def _finite(value: float) -> float | None:
    """JSON has no NaN: a percentile of nothing becomes null."""
    return None if value != value else value  # noqa: PLR0124 - NaN check


def phase_json(phase: PhaseResult) -> dict[str, Any]:
    start, last_accept, last_done = phase.window() if phase.accepted else (0.0, 0.0, 0.0)
    e2e = phase.latencies()
    done = sum(1 for r in phase.accepted if phase.observer.done(str(r.case_id)))
    wall = phase.cpu_after["__wall"] - phase.cpu_before["__wall"]
    return {
        "sent": len(phase.requests),
        "accepted": len(phase.accepted),
        "taken": done,
        "missing": len(phase.missing),
        "accepted_per_s": len(phase.accepted) / max(last_accept - start, 1e-9),
        "taken_per_s": done / max(last_done - start, 1e-9),
        "latency_ms": {f"p{q}": _finite(percentile(e2e, q) * 1000) for q in (50, 95, 99, 100)},
        "http_ms": {
            f"p{q}": _finite(percentile([r.finished - r.intended for r in phase.accepted], q) * 1000)
            for q in (50, 95, 99)
        },
        "hops_ms": {name: {f"p{q}": _finite(percentile(v, q) * 1000) for q in (50, 99)} for name, v in phase.hops()},
        "cpu_percent_of_core": {
            name: 100 * (phase.cpu_after[name] - phase.cpu_before[name]) / wall
            for name in phase.cpu_after
            if not name.startswith("__")
        },
        "failures": phase.failures(),
    }


# ----------------------------------------------------------------------------------------------- run


@dataclasses.dataclass
class Context:
    args: argparse.Namespace
    stack: Stack
    topics: Topics
    monitor: ProcessMonitor
    observer: Observer
    driver: Driver
    client: httpx.AsyncClient
    profiler: Profiler
    metric_urls: dict[str, str]


async def run_phase(ctx: Context, name: str, label: str, closed_loop: bool, load: Callable[[], Any]) -> PhaseResult:
    say(f"-- {label} …")
    metrics_before = await scrape_metrics(ctx.client, ctx.metric_urls)
    cpu_before = ctx.monitor.cpu_snapshot()
    ctx.profiler.start(name)
    requests: list[Request] = await load()
    accepted = [str(r.case_id) for r in requests if r.case_id is not None]
    missing = await wait_for_cases(accepted, ctx.observer.done, ctx.args.complete_timeout)
    for _name, path in ctx.profiler.stop():
        say(f"   py-spy profile: {path}")
    cpu_after = ctx.monitor.cpu_snapshot()
    metrics = metric_delta(metrics_before, await scrape_metrics(ctx.client, ctx.metric_urls))
    return PhaseResult(name, label, requests, missing, cpu_before, cpu_after, metrics, ctx.observer, closed_loop)


async def warm_up(ctx: Context) -> None:
    count = ctx.args.warmup_cases
    if count <= 0:
        return
    say(f"-- warm-up: {count} cases, waiting for the consumer groups to settle …")
    started = time.time()
    requests = await ctx.driver.closed_loop("warmup", count, min(8, count), ctx.args.complete_timeout)
    refused = [r for r in requests if r.case_id is None]
    if refused:
        raise BenchError(f"warm-up: {len(refused)} requests not accepted; first: {refused[0].error}")
    missing = await wait_for_cases([str(r.case_id) for r in requests], ctx.observer.done, ctx.args.warmup_timeout)
    if missing:
        raise BenchError(f"warm-up: {len(missing)} cases were never taken in {ctx.args.warmup_timeout:.0f} s")
    say(f"   warm-up done in {time.time() - started:.1f} s")
    await asyncio.sleep(1.0)


def check_processes(stack: Stack) -> list[str]:
    dead = [
        f"{p.name} exited with code {p.returncode}; log {p.log_path}" for p in stack.services.values() if not p.running
    ]
    dead += [
        f"{s.name} exited; log {s.log_path}" for s in (stack.kafka, stack.ferretdb) if s is not None and not s.running
    ]
    return dead


async def bench(args: argparse.Namespace, stack: Stack, topics: Topics, run_id: str) -> tuple[list[str], bool]:
    watched = [
        Watched("kafka (java)", int(stack.kafka.pid)) if stack.kafka and stack.kafka.pid else None,
        Watched("ferretdb", int(stack.ferretdb.pid)) if stack.ferretdb and stack.ferretdb.pid else None,
        *[Watched(f"uvicorn {p.name}", int(p.pid)) for p in stack.services.values() if p.pid],
        Watched("bench (this process)", os.getpid()),
    ]
    monitor = ProcessMonitor([w for w in watched if w is not None])
    monitor.start()
    observer = Observer(stack.kafka_bootstrap_servers, topics)
    await observer.start()
    # keepalive_expiry below uvicorn's 5 s keep-alive: never reuse a connection the server is closing.
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections, keepalive_expiry=2.0
    )
    intake = stack.service("intake").base_url
    pids = {p.name: int(p.pid) for p in stack.services.values() if p.pid and p.name in args.profile_services}
    profiler = Profiler(args.py_spy, pids, args.py_spy_rate)
    if args.py_spy is not None and profiler.binary is None:
        say("   py-spy not found on PATH; run with `uv run --with py-spy python bench/e2e.py --py-spy DIR`")
    phases: list[PhaseResult] = []
    fixed = full = None
    try:
        async with httpx.AsyncClient(
            base_url=intake, trust_env=False, limits=limits, timeout=httpx.Timeout(args.http_timeout)
        ) as client:
            urls = {name: p.base_url for name, p in stack.services.items()}
            ctx = Context(
                args,
                stack,
                topics,
                monitor,
                observer,
                Driver(intake_pool(stack, args), run_id, args.connections, args.max_wait),
                client,
                profiler,
                urls,
            )
            await warm_up(ctx)
            if args.rate > 0 and args.duration > 0:
                fixed = await run_phase(
                    ctx,
                    f"{args.rate:g}/s",
                    f"fixed rate: {args.rate:g} cases/s for {args.duration:g} s (open loop)",
                    False,
                    lambda: ctx.driver.open_loop("fixed", args.rate, args.duration),
                )
                phases.append(fixed)
                await asyncio.sleep(1.0)
            if args.full_speed_cases > 0:
                full = await run_phase(
                    ctx,
                    "full",
                    f"full speed: {args.full_speed_cases} cases, {args.concurrency} in flight (closed loop)",
                    True,
                    lambda: ctx.driver.closed_loop("full", args.full_speed_cases, args.concurrency, args.max_seconds),
                )
                phases.append(full)
    finally:
        await observer.stop()
        await monitor.stop()
    lines: list[str] = []
    for phase in phases:
        lines += report_phase(phase)
    lines.append("\n== processes: RSS (sampled every 0.5 s) and CPU per phase ==")
    lines += _cpu_table(phases, monitor.processes)
    lines += aim_lines(fixed, full)
    lines.append(
        f"  load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (other work skews results)"
    )
    failures = [f"{phase.name}: {p}" for phase in phases for p in phase.failures()] + check_processes(stack)
    if args.py_spy is not None:
        for path in sorted(args.py_spy.glob("*.txt")):
            lines.append(f"\n== py-spy {path.stem} ==")
            lines += summarize_profile(path, args.py_spy_top)
    if args.json is not None:
        report = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "cpus": os.cpu_count(),
            "args": {k: str(v) for k, v in vars(args).items()},
            "phases": {phase.name: phase_json(phase) for phase in phases},
            "rss_mib": {
                p.name: {"end": p.rss_last_kib / 1024, "peak": p.rss_peak_kib / 1024} for p in monitor.processes
            },
            "failures": failures,
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if failures:
        lines.append("\n== FAILED ==")
        lines += [f"  {f}" for f in failures]
    ok = not failures and (aims_met(fixed, full) or not args.fail_on_aims)
    return lines, ok


class BenchError(Exception):
    """The benchmark could not run as planned (the stack did not start, warm-up cases never arrived)."""


class _Stopped(BaseException):
    """SIGTERM: unwind like Ctrl-C, so the stack is stopped."""


def _raise_stopped(_signum: int, _frame: FrameType | None) -> None:
    raise _Stopped


def say(message: str) -> None:
    print(message, flush=True)


def run_with_stack(
    stack: Stack, data_dir: Path, *, what: str, keep_data: bool, work: Callable[[], bool], ready_timeout: float = 120.0
) -> int:
    """Start ``stack``, run ``work`` (True when the run succeeded) and stop the stack again whatever
    happens: a benchmark error, Ctrl-C or SIGTERM. The data dir of a good run is removed unless kept;
    a failed run keeps it, because its logs say why. Returns the exit code."""
    signal.signal(signal.SIGTERM, _raise_stopped)
    ok = False
    try:
        started = time.monotonic()
        say(f"-- starting {what} …")
        stack.start(ready_timeout)
        say(f"   stack ready in {time.monotonic() - started:.1f} s")
        ok = work()
    except BenchError as error:
        say(f"!! {error}")
    except (KeyboardInterrupt, _Stopped):
        say("!! interrupted")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("-- stopping the stack …")
        stack.stop()
        if ok and not keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            say(f"   data and logs kept in {data_dir}")
    return 0 if ok else 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=100.0, help="fixed-rate phase: cases/s (0 skips it)")
    parser.add_argument("--duration", type=float, default=20.0, help="fixed-rate phase: seconds")
    parser.add_argument("--full-speed-cases", type=int, default=3000, help="full-speed phase: cases (0 skips it)")
    parser.add_argument("--concurrency", type=int, default=64, help="full-speed phase: requests in flight")
    parser.add_argument("--connections", type=int, default=64, help="HTTP keep-alive connection pool size")
    parser.add_argument(
        "--max-wait", type=float, default=30.0, help="a request not sent within this many seconds is dropped"
    )
    parser.add_argument("--http-timeout", type=float, default=30.0, help="seconds per HTTP request")
    parser.add_argument("--warmup-cases", type=int, default=100, help="cases sent before measuring")
    parser.add_argument("--warmup-timeout", type=float, default=90.0, help="seconds for warm-up cases to arrive")
    parser.add_argument("--complete-timeout", type=float, default=60.0, help="seconds after a phase's last 201")
    parser.add_argument("--max-seconds", type=float, default=180.0, help="full-speed phase stops sending after this")
    parser.add_argument("--partitions", type=int, default=None, help="IKDZ_TOPIC_PARTITIONS (default: the services')")
    parser.add_argument("--ready-timeout", type=float, default=180.0, help="seconds for the stack to start")
    parser.add_argument("--keep-data", action="store_true", help="keep the data dir (logs) after the run")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON to this file")
    parser.add_argument("--fail-on-aims", action="store_true", help="exit 1 when an aim is missed")
    parser.add_argument(
        "--py-spy", type=Path, default=None, metavar="DIR", help="profile services with py-spy into DIR"
    )
    parser.add_argument("--py-spy-rate", type=int, default=50, help="py-spy samples per second")
    parser.add_argument("--py-spy-top", type=int, default=12, help="frames listed per profile")
    parser.add_argument(
        "--profile-services",
        type=lambda s: {n.strip().replace("-", "_") for n in s.split(",") if n.strip()},
        default={"intake", "routing", "trade_registration"},
        help="services py-spy records (comma-separated)",
    )
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra service setting")
    return parser.parse_args(argv)


def make_stack(args: argparse.Namespace, data_dir: Path, prefix: str) -> Stack:
    extra_env = {
        "IKDZ_TOPIC_PREFIX": f"{prefix}.",
        "MONGODB_DATABASE_PREFIX": f"{prefix}_",
        "IKDZ_LOG_LEVEL": "WARNING",
        "IKDZ_LOG_JSON": "true",
    }
    if args.partitions is not None:
        extra_env["IKDZ_TOPIC_PARTITIONS"] = str(args.partitions)
    for item in args.env:
        key, _, value = item.partition("=")
        extra_env[key] = value
    specs = [dataclasses.replace(spec, port=0) for spec in default_services({})]
    return Stack(data_dir, services=specs, extra_env=extra_env)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    run_id = secrets.token_hex(4)
    prefix = f"bench{run_id}"
    data_dir = Path(tempfile.mkdtemp(prefix="ikdz-bench-"))
    stack = make_stack(args, data_dir / "stack", prefix)
    say(f"IKDZ e2e benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} CPUs, data in {data_dir}")
    say(f"   load average before start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    def work() -> bool:
        lines, ok = asyncio.run(bench(args, stack, Topics(f"{prefix}."), run_id))
        say("\n".join(lines))
        return ok

    return run_with_stack(
        stack,
        data_dir,
        what="Kafka, FerretDB and the five services",
        keep_data=args.keep_data,
        work=work,
        ready_timeout=args.ready_timeout,
    )


if __name__ == "__main__":
    sys.exit(main())
