"""Gewerbe automated path on the real stack: receipts per second and submit→receipt latency at a fixed rate.

Starts the stack as ``bench/gewerbe_automation.py`` does, warms up, then offers permit-free
Gewerbeanmeldungen of the seeded generator (``bench/gewerbe_generator.py``: sole traders, GbR,
GmbH and UG in Wurzen and Augustusburg; the path that needs no human) through intake's JSON API at
``--rate`` notices/s for ``--duration`` s, open loop (``bench/e2e.py``'s driver: arrivals on a fixed
schedule, latency from the scheduled send time, so a slow server cannot hide queueing).

Latency ends when the benchmark's own Kafka reader sees the case's ``gewerbe.receipt.issued``
event (trade-registration has decided and issued receipt and fee notice, which are rendered on
their first download, and its outbox relay has published). Printed: accepted/s, receipts/s
sustained, p50/p95/p99/max submit→receipt and of the POST alone, cases without a receipt, CPU ms per
notice of Kafka, FerretDB and each service (from /proc, over the phase and its drain, against the
20 ms the aim leaves on two cores) and of the benchmark itself, and the aim p99 ≤ 300 ms at 100
notices/s as a ratio. The requests go through ``bench/http_pool.py`` and only the receipts are
decoded, so the benchmark leaves the cores it shares with the stack to the stack.

Run: ``uv run python bench/gewerbe.py [--rate 100 --duration 20]``. Exits 1 if no receipt arrived at
all (trade-registration does not issue receipts), a request or case failed, or a process died; the
aim is reported, not enforced. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from e2e import (
    BenchError,
    Driver,
    Request,
    TopicObserver,
    check_processes,
    cpu_seconds,
    intake_pool,
    percentile,
    run_with_stack,
    wait_for_cases,
)
from gewerbe_automation import RECEIPT_ISSUED, make_stack
from gewerbe_generator import AUTOMATED_PATH, GeneratedCase, Generator
from http_pool import HttpPool
from ikdz_contracts.topics import Topics
from ikdz_platform.stack import Stack

AIM_RATE = 100.0  # notices/s offered
AIM_P99 = 0.300  # seconds submit → receipt
CORES = 2  # the project's machines
RECEIPT_MARK = f'"{RECEIPT_ISSUED}"'.encode()


def stack_pids(stack: Stack) -> dict[str, int]:
    """The processes of the stack whose CPU the notices cost: infrastructure and the five services."""
    pids = {p.name: int(p.pid) for p in stack.services.values() if p.pid}
    for name, server in (("kafka", stack.kafka), ("ferretdb", stack.ferretdb)):
        if server is not None and server.pid:  # None with --env-infra: shared with others, not counted
            pids[name] = int(server.pid)
    return pids


def cpu_report(before: dict[str, float], after: dict[str, float], wall: float, notices: int) -> list[str]:
    """CPU ms per notice of each process over the fixed phase and its drain, against the budget the aim
    leaves: at 100 notices/s on two cores, 20 ms for everything."""
    used = {name: after[name] - before[name] for name in before}
    per = max(notices, 1)
    lines = [f"\n== CPU over the phase and drain ({wall:.0f} s, {notices} notices with a receipt) =="]
    lines += [
        f"  {name:<20}{1000 * seconds / per:>8.1f} ms/notice{100 * seconds / wall:>7.0f}% of a core"
        for name, seconds in sorted(used.items(), key=lambda item: -item[1])
    ]
    total = sum(used.values())
    budget = 1000 * CORES / AIM_RATE
    lines.append(
        f"  {'total':<20}{1000 * total / per:>8.1f} ms/notice{100 * total / wall:>7.0f}% of a core; "
        f"budget at {AIM_RATE:g}/s on {CORES} cores: {budget:.0f} ms ({1000 * total / per / budget:.1f}× the budget)"
    )
    return lines


class ReceiptObserver(TopicObserver):
    """Reads gewerbe.events from the start and notes when each case's receipt arrived.

    Only the receipts are decoded (a byte search skips the other events first): the reader shares
    the two cores with the stack it measures.
    """

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        super().__init__(
            bootstrap, [topics.gewerbe_events], client_id="ikdz-bench-gewerbe", fetch_max_wait_ms=50, poll_ms=100
        )
        self.receipt_at: dict[str, float] = {}

    def take(self, record: Any, received: float) -> None:
        if RECEIPT_MARK not in record.value:
            return
        event = json.loads(record.value)
        if event["type"] == RECEIPT_ISSUED:
            self.receipt_at.setdefault(event["data"]["case_id"], received)

    async def wait(self, case_ids: Sequence[str], within: float) -> list[str]:
        """Wait until every case has its receipt; returns those that have none ``within`` seconds."""
        return await wait_for_cases(case_ids, self.receipt_at.__contains__, within, interval=0.25)


class NoticeDriver(Driver):
    """``bench/e2e.py``'s driver, sending the n-th generated notice to the Gewerbe JSON API."""

    def __init__(self, pool: HttpPool, run_id: str, cases: Sequence[GeneratedCase], args: argparse.Namespace):
        super().__init__(pool, run_id, args.connections, args.max_wait)
        # Encoded before the run, as a portal would have them ready: the client's CPU is not the stack's.
        self._bodies = [json.dumps(case.payload).encode() for case in cases]

    async def _send(self, request: Request, phase: str) -> None:
        body = self._bodies[request.n % len(self._bodies)]
        await self.send_json(request, "/api/v1/gewerbeanzeigen", body, f"gew-{self.run_id}-{phase}-{request.n:07d}")


def fmt(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"  # NaN: no sample


def phase_report(
    name: str, requests: Sequence[Request], observer: ReceiptObserver, missing: Sequence[str]
) -> list[str]:
    accepted = [r for r in requests if r.case_id is not None]
    receipts = [(r, observer.receipt_at.get(str(r.case_id))) for r in accepted]
    latencies = [float(at) - r.intended for r, at in receipts if at is not None]
    posts = [r.finished - r.intended for r in accepted]
    first = min((r.intended for r in requests), default=0.0)
    last_sent = max((r.started for r in requests), default=first)
    last_receipt = max((float(at) for _, at in receipts if at is not None), default=first)
    lines = [f"\n== {name} =="]
    lines.append(
        f"  sent {len(requests)}, accepted {len(accepted)} ({len(accepted) / max(last_sent - first, 1e-9):.1f}/s), "
        f"receipts {len(latencies)} ({len(latencies) / max(last_receipt - first, 1e-9):.1f}/s sustained, "
        f"first send → last receipt), without receipt {len(missing)}"
    )
    lines.append(
        "  submit → receipt p50 / p95 / p99 / max: "
        + " / ".join(fmt(percentile(latencies, q)) for q in (50, 95, 99))
        + f" / {fmt(max(latencies, default=float('nan')))}"
    )
    lines.append(
        "  POST → 201 p50 / p99: " + " / ".join(fmt(percentile(posts, q)) for q in (50, 99)) + " (from scheduled send)"
    )
    failed = [r for r in requests if r.case_id is None]
    if failed:
        lines.append(f"  not accepted: {len(failed)}; first: {failed[0].error}")
    return lines


async def run(args: argparse.Namespace, stack: Stack, topics: Topics, run_id: str) -> tuple[list[str], bool]:
    today = datetime.now(UTC).date()
    count = args.warmup + round(args.rate * args.duration)
    cases = Generator(args.seed, today, AUTOMATED_PATH).cases(count)
    observer = ReceiptObserver(stack.kafka_bootstrap_servers, topics)
    await observer.start()
    pool = intake_pool(stack, args)
    try:
        driver = NoticeDriver(pool, run_id, cases, args)
        print(f"-- warm-up: {args.warmup} notices …")
        warm = await driver.closed_loop("warmup", args.warmup, min(8, args.warmup), args.complete_timeout)
        warm_ids = [str(r.case_id) for r in warm if r.case_id is not None]
        if len(warm_ids) < len(warm):
            msg = f"warm-up: {len(warm) - len(warm_ids)} notices refused; first: {next(r.error for r in warm if r.case_id is None)}"
            raise BenchError(msg)
        if missing := await observer.wait(warm_ids, args.complete_timeout):
            msg = (
                f"warm-up: {len(missing)} of {len(warm_ids)} notices got no receipt (gewerbe.receipt.issued) within "
                f"{args.complete_timeout:g} s. Does trade-registration issue receipts?"
            )
            raise BenchError(msg)
        print(f"-- fixed rate: {args.rate:g} notices/s for {args.duration:g} s (open loop) …")
        pids = stack_pids(stack)
        cpu_before, started = {name: cpu_seconds(pid) for name, pid in pids.items()}, time.monotonic()
        client_before = time.process_time()
        requests = await driver.open_loop("fixed", args.rate, args.duration)
        ids = [str(r.case_id) for r in requests if r.case_id is not None]
        missing = await observer.wait(ids, args.complete_timeout)
        cpu_after, wall = {name: cpu_seconds(pid) for name, pid in pids.items()}, time.monotonic() - started
        client_cpu = time.process_time() - client_before
    finally:
        await pool.close()
        await observer.stop()
    lines = phase_report(f"fixed rate {args.rate:g}/s for {args.duration:g} s", requests, observer, missing)
    lines += cpu_report(cpu_before, cpu_after, wall, len(ids) - len(missing))
    lines.append(
        f"  {'(benchmark client)':<20}{1000 * client_cpu / max(len(ids), 1):>8.1f} ms/notice"
        f"{100 * client_cpu / wall:>7.0f}% of a core (HTTP client and Kafka reader; not in the total)"
    )
    latencies = [
        float(at) - r.intended for r in requests if r.case_id and (at := observer.receipt_at.get(r.case_id)) is not None
    ]
    p99 = percentile(latencies, 99) if not missing else float("inf")
    verdict = "met" if p99 <= AIM_P99 and args.rate >= AIM_RATE else "NOT met"
    lines.append("\n== aim ==")
    lines.append(
        f"  p99 submit → receipt {fmt(p99) if p99 != float('inf') else f'> {args.complete_timeout:g} s (cases without receipt)'}"
        f" at {args.rate:g}/s offered; aim ≤ {AIM_P99 * 1000:.0f} ms at {AIM_RATE:g}/s: {verdict}"
        + (f", {p99 / AIM_P99:.1f}× the aim" if p99 != float("inf") else "")
    )
    lines.append(f"  load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (2 shared cores)")
    failures = [f"{len(missing)} accepted notices without receipt"] if missing else []
    failures += (
        [f"{sum(r.case_id is None for r in requests)} notices not accepted"]
        if any(r.case_id is None for r in requests)
        else []
    )
    failures += check_processes(stack)
    if failures:
        lines += ["\n== FAILED ==", *(f"  {f}" for f in failures)]
    return lines, not failures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=AIM_RATE, help="notices/s offered (default: %(default)s)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds at that rate (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=50, help="notices sent before measuring")
    parser.add_argument("--seed", type=int, default=11, help="seed of the generator")
    parser.add_argument("--connections", type=int, default=64, help="HTTP connections (requests in flight)")
    parser.add_argument(
        "--max-wait", type=float, default=30.0, help="a request not sent within this many seconds is dropped"
    )
    parser.add_argument("--http-timeout", type=float, default=30.0, help="seconds per HTTP request")
    parser.add_argument("--complete-timeout", type=float, default=300.0, help="seconds to wait for receipts")
    parser.add_argument("--env-infra", action="store_true", help="use KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI")
    parser.add_argument("--keep-data", action="store_true", help="keep the data dir (logs) after the run")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    run_id = secrets.token_hex(4)
    prefix = f"gewb{run_id}"
    data_dir = Path(tempfile.mkdtemp(prefix="ikdz-gewerbe-bench-"))
    stack = make_stack(data_dir / "stack", prefix, args.env_infra)
    print(f"IKDZ Gewerbe benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} CPUs, data in {data_dir}")
    print(f"   load average before start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    def work() -> bool:
        lines, ok = asyncio.run(run(args, stack, Topics(f"{prefix}."), run_id))
        print("\n".join(lines))
        return ok

    return run_with_stack(stack, data_dir, what="the stack", keep_data=args.keep_data, work=work)


if __name__ == "__main__":
    sys.exit(main())
