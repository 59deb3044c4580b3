"""Routing benchmark on the real broker and store: routed cases/s and decision-time percentiles.

Starts Kafka, FerretDB and the routing service (``--replicas`` uvicorn processes, 2 by default: one
Python process uses one core; ``ikdz_platform.stack.Stack``, free loopback ports, a fresh data dir, a
unique topic prefix). Then

1. the pure policy: ``decide`` in this process for the pilot configuration and for a state-wide
   one (418 town pools, every town with agreements with all towns of its Landkreis), timed per call;
2. warm-up: a few cases through the service, not measured;
3. fixed rate (``--rate`` cases/s for ``--duration`` s, open loop): the end-to-end hop without a
   queue - ``case.submitted`` produced by the benchmark → ``case.routed`` read back from Kafka;
4. full speed: ``--cases`` ``case.submitted`` events produced at once; routed cases/s from the
   first send to the last ``case.routed`` seen, and the same hop percentiles (which then include
   the wait in the topic).

Prints cases/s and the ratio to the aim of issue 4 (≥ 2,000 routed cases/s on 2 cores), p50/p90/p99
of the policy and of the hop (split into Kafka → decision and decision → ``case.routed`` on Kafka,
i.e. store and outbox relay), and CPU of routing, FerretDB and Kafka per phase.

Run: ``uv run python bench/routing.py [--cases 5000] [--rate 200 --duration 10] [--json FILE]``.
Exits 1 if a case was not routed within ``--complete-timeout`` or was routed twice, or a process
died. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from e2e import (
    BenchError,
    ProcessMonitor,
    TopicObserver,
    Watched,
    cpu_seconds,
    fmt_ms,
    percentile,
    run_with_stack,
    say,
)
from ikdz_contracts.cloudevents import encode, new_event
from ikdz_contracts.events import Applicant, CaseSubmitted
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.stack import Stack, default_services
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.domain.config import Agreement, Pool, RoutingConfig
from ikdz_routing.domain.policy import CaseToRoute, decide

AIM_CASES_PER_S = 2000.0
PILOT_TOWNS = ("14729410", "14522020")  # Wurzen, Augustusburg
SERVICES = tuple(ServiceId)


# ------------------------------------------------------------------------------------ pure policy


def statewide_config() -> RoutingConfig:
    """Every Saxon town has a pool for every service and agreements with all towns of its Kreis."""
    towns = sorted(load_municipalities(), key=lambda m: m.ags)
    pools = [
        Pool(id=f"p{m.ags}", processing_ags=m.ags, services=frozenset(SERVICES), capacity_per_day=5) for m in towns
    ]
    by_kreis: dict[str, list[str]] = defaultdict(list)
    for m in towns:
        by_kreis[m.kreis_ags].append(m.ags)
    agreements = [
        Agreement(
            reference=f"ZV {owner}/{partner}",
            owner_ags=owner,
            processing_ags=partner,
            services=frozenset(SERVICES),
            valid_from=date(2026, 1, 1),
        )
        for members in by_kreis.values()
        for owner in members
        for partner in members
        if owner != partner
    ]
    return RoutingConfig(version="bench-statewide", pools=tuple(pools), agreements=tuple(agreements))


@dataclasses.dataclass
class PolicyResult:
    name: str
    pools: int
    agreements: int
    seconds: list[float]

    def lines(self) -> list[str]:
        s = self.seconds
        return [
            f"  {self.name:<10} {self.pools:>4} pools {self.agreements:>6} agreements: "
            f"p50 {percentile(s, 50) * 1e6:.0f} µs, p90 {percentile(s, 90) * 1e6:.0f} µs, "
            f"p99 {percentile(s, 99) * 1e6:.0f} µs ({len(s) / sum(s):,.0f} decisions/s on one core)"
        ]


def time_policy(name: str, config: RoutingConfig, owners: Sequence[str], calls: int, seed: int) -> PolicyResult:
    rng = random.Random(seed)
    day = date(2026, 11, 25)
    pool_ids = [pool.id for pool in config.pools]
    seconds = []
    for _ in range(calls):
        backlog = {pool_id: rng.randrange(0, 200) for pool_id in pool_ids}
        case = CaseToRoute(rng.choice(owners), rng.choice(SERVICES))
        started = time.perf_counter()
        decide(case, config, backlog, day)
        seconds.append(time.perf_counter() - started)
    return PolicyResult(name, len(config.pools), len(config.agreements), seconds)


# ------------------------------------------------------------------------------------ Kafka


def submitted(case_id: str, n: int) -> OutgoingMessage:
    owner = PILOT_TOWNS[n % 2]
    data = CaseSubmitted(
        case_id=case_id,
        file_number=f"WUR-GEW-2026-{n:06d}",
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags=owner,
        submitted_at=datetime.now(UTC),
        channel="api",
        applicant=Applicant(kind="natural_person", name="Erika Mustermann"),
        payload={"activity": "Webdesign", "bench_n": n},
    )
    event = new_event(data, source="urn:ikdz:intake", subject=case_id, ownerags=owner)
    return OutgoingMessage(topic="", key=case_id.encode(), value=encode(event))


@dataclasses.dataclass
class Routed:
    decided: float  # the CloudEvent time of case.routed: when routing decided
    published: float  # the Kafka record timestamp: when routing's relay handed it to its producer
    received: float  # when this benchmark read it
    count: int = 1


class RoutedObserver(TopicObserver):
    """Reads case.routed from the start of the topic (no consumer group); counts a case routed twice."""

    def __init__(self, bootstrap_servers: str, topic: str) -> None:
        super().__init__(bootstrap_servers, [topic], client_id="ikdz-bench-routing-observer", fetch_max_wait_ms=50)
        self.seen: dict[str, Routed] = {}
        self.duplicates = 0

    def take(self, record: Any, received: float) -> None:
        event = json.loads(record.value)
        case_id = event["data"]["case_id"]
        if case_id in self.seen:
            self.seen[case_id].count += 1
            self.duplicates += 1
            return
        decided = datetime.fromisoformat(event["time"]).timestamp()
        self.seen[case_id] = Routed(decided, record.timestamp / 1000, received)

    async def wait_for(self, case_ids: Sequence[str], within: float) -> list[str]:
        """The case ids not seen within ``within`` seconds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if all(c in self.seen for c in case_ids):
                return []
            await asyncio.sleep(0.05)
        return [c for c in case_ids if c not in self.seen]


@dataclasses.dataclass
class Phase:
    name: str
    sent: dict[str, float]  # case id -> send time
    started: float
    sending_done: float
    cpu_before: dict[str, float]
    cpu_after: dict[str, float] = dataclasses.field(default_factory=dict)
    missing: list[str] = dataclasses.field(default_factory=list)

    def report(self, observer: RoutedObserver) -> list[str]:
        routed = {c: observer.seen[c] for c in self.sent if c in observer.seen}
        lines = [f"\n== {self.name} =="]
        if not routed:
            return [*lines, "  nothing routed"]
        last = max(r.received for r in routed.values())
        elapsed = last - self.started
        decided = sorted(r.decided for r in routed.values())
        rate = len(routed) / elapsed
        lines.append(
            f"  {len(self.sent)} sent in {self.sending_done - self.started:.2f} s, {len(routed)} routed; "
            f"first send → last case.routed seen {elapsed:.2f} s: {rate:,.1f} routed cases/s"
        )
        if len(decided) > 1 and decided[-1] > decided[0]:
            lines.append(
                f"  decisions alone (first → last decision time): {(len(decided) - 1) / (decided[-1] - decided[0]):,.1f} cases/s"
            )
        hops = [
            ("send → decision (Kafka + consumer)", [r.decided - self.sent[c] for c, r in routed.items()]),
            ("decision → case.routed on Kafka (store + relay)", [r.published - r.decided for r in routed.values()]),
            ("send → case.routed read back (end to end)", [r.received - self.sent[c] for c, r in routed.items()]),
        ]
        lines.append(f"  {'hop':<50} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        for label, values in hops:
            lines.append(
                f"  {label:<50} {fmt_ms(percentile(values, 50)):>8} {fmt_ms(percentile(values, 90)):>8} "
                f"{fmt_ms(percentile(values, 99)):>8} {fmt_ms(max(values)):>8}"
            )
        wall = self.cpu_after.get("__wall", 0) - self.cpu_before.get("__wall", 0)
        if wall > 0:
            used = {
                name: self.cpu_after[name] - self.cpu_before[name]
                for name in self.cpu_after
                if not name.startswith("__")
            }
            lines.append(
                "  CPU (% of one core over the phase): "
                + ", ".join(f"{name} {100 * seconds / wall:.0f} %" for name, seconds in used.items())
                + f"; routing {1000 * sum(s for n, s in used.items() if n.startswith('routing')) / len(routed):.2f}"
                + " CPU ms per case (all replicas)"
            )
        return lines

    def rate(self, observer: RoutedObserver) -> float:
        routed = [observer.seen[c] for c in self.sent if c in observer.seen]
        if not routed:
            return 0.0
        return len(routed) / (max(r.received for r in routed) - self.started)


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()} | {"__wall": time.time()}


async def run_phase(
    name: str,
    producer: EventProducer,
    topic: str,
    observer: RoutedObserver,
    pids: dict[str, int],
    count: int,
    rate: float | None,
    within: float,
) -> Phase:
    """Send ``count`` cases (at ``rate``/s, or all at once) and wait until each was routed."""
    prefix = f"{name}-{secrets.token_hex(3)}"
    messages = [dataclasses.replace(submitted(f"{prefix}-{n:06d}", n), topic=topic) for n in range(count)]
    sent: dict[str, float] = {}
    phase = Phase(name, sent, time.time(), 0.0, cpu_snapshot(pids))
    if rate is None:
        for message in messages:
            sent[message.key.decode() if message.key else ""] = time.time()
        await producer.send_all(messages)
    else:
        start = time.monotonic()
        pending = []
        for n, message in enumerate(messages):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[message.key.decode() if message.key else ""] = time.time()
            pending.append(asyncio.create_task(producer.send_all([message])))
        await asyncio.gather(*pending)
    phase.sending_done = time.time()
    phase.missing = await observer.wait_for(list(sent), within)
    phase.cpu_after = cpu_snapshot(pids)
    return phase


# ------------------------------------------------------------------------------------ main


def make_stack(data_dir: Path, prefix: str, partitions: int | None, replicas: int, extra: Sequence[str]) -> Stack:
    """Kafka, FerretDB and ``replicas`` routing processes (one consumer group: they share the partitions)."""
    env = {
        "IKDZ_TOPIC_PREFIX": f"{prefix}.",
        "MONGODB_DATABASE_PREFIX": f"{prefix}_",
        "IKDZ_LOG_LEVEL": "WARNING",
        "IKDZ_LOG_JSON": "true",
        "IKDZ_DEV_ISSUER_KEY_FILE": str(data_dir / "dev-issuer-key.pem"),
    }
    if partitions is not None:
        env["IKDZ_TOPIC_PARTITIONS"] = str(partitions)
    for item in extra:
        key, _, value = item.partition("=")
        env[key] = value
    [routing] = [dataclasses.replace(s, port=0) for s in default_services({}) if s.name == "routing"]
    others = [dataclasses.replace(routing, name=f"routing-{n}") for n in range(2, replicas + 1)]
    return Stack(data_dir, services=[routing, *others], extra_env=env)


async def bench(args: argparse.Namespace, stack: Stack, topics: Topics) -> tuple[list[str], bool, dict[str, Any]]:
    lines = ["\n== pure policy (decide, in this process) =="]
    pilot = load_routing_config(PILOT_CONFIG, load_municipalities())
    state = statewide_config()
    policies = [
        time_policy("pilot", pilot, PILOT_TOWNS, args.policy_calls, args.seed),
        time_policy("statewide", state, sorted({p.processing_ags for p in state.pools}), args.policy_calls, args.seed),
    ]
    for policy in policies:
        lines += policy.lines()

    pids = {name: int(process.pid or 0) for name, process in stack.services.items()}
    if stack.ferretdb is not None and stack.ferretdb.pid:
        pids["ferretdb"] = int(stack.ferretdb.pid)
    if stack.kafka is not None and stack.kafka.pid:
        pids["kafka"] = int(stack.kafka.pid)
    pids["bench"] = os.getpid()
    monitor = ProcessMonitor([Watched(name, pid) for name, pid in pids.items()])
    monitor.start()
    observer = RoutedObserver(stack.kafka_bootstrap_servers, topics.case_routed)
    await observer.start()
    producer = EventProducer(stack.kafka_bootstrap_servers, client_id="ikdz-bench-routing")
    await producer.start()
    phases: list[Phase] = []
    try:
        say(f"-- warm-up: {args.warmup_cases} cases")
        warm = await run_phase(
            "warmup", producer, topics.case_submitted, observer, pids, args.warmup_cases, None, args.warmup_timeout
        )
        if warm.missing:
            raise BenchError(f"{len(warm.missing)} warm-up cases were not routed within {args.warmup_timeout:g} s")
        if args.rate > 0 and args.duration > 0:
            say(f"-- fixed rate: {args.rate:g} cases/s for {args.duration:g} s")
            phases.append(
                await run_phase(
                    f"fixed rate {args.rate:g}/s",
                    producer,
                    topics.case_submitted,
                    observer,
                    pids,
                    round(args.rate * args.duration),
                    args.rate,
                    args.complete_timeout,
                )
            )
        if args.cases > 0:
            say(f"-- full speed: {args.cases} cases at once")
            phases.append(
                await run_phase(
                    "full speed",
                    producer,
                    topics.case_submitted,
                    observer,
                    pids,
                    args.cases,
                    None,
                    args.complete_timeout,
                )
            )
    finally:
        await producer.stop()
        await observer.stop()
        await monitor.stop()
    for phase in phases:
        lines += phase.report(observer)
    lines.append("\n== processes: RSS end / peak ==")
    lines += [
        f"  {p.name:<10} {p.rss_last_kib / 1024:7.0f} MiB / {p.rss_peak_kib / 1024:7.0f} MiB" for p in monitor.processes
    ]
    full = next((p for p in phases if p.name == "full speed"), None)
    lines.append("\n== aim ==")
    if full is not None:
        rate = full.rate(observer)
        lines.append(
            f"  routed cases/s at full speed: {rate:,.1f} / aim {AIM_CASES_PER_S:,.0f} = {rate / AIM_CASES_PER_S:.4f} "
            f"({os.cpu_count()} CPUs; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())})"
        )
    failures = [f"{p.name}: {len(p.missing)} cases not routed, e.g. {p.missing[:3]}" for p in phases if p.missing]
    if observer.duplicates:
        failures.append(f"{observer.duplicates} cases were routed more than once")
    failures += [f"{name} exited; log {p.log_path}" for name, p in stack.services.items() if not p.running]
    if failures:
        lines += ["\n== FAILED ==", *[f"  {f}" for f in failures]]
    result = {
        "policy_us": {
            p.name: {q: percentile(p.seconds, q) * 1e6 for q in (50, 90, 99)} | {"agreements": p.agreements}
            for p in policies
        },
        "phases": {p.name: {"cases": len(p.sent), "routed_per_s": p.rate(observer)} for p in phases},
        "failures": failures,
    }
    return lines, not failures, result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=5000, help="full-speed phase: cases sent at once (0 skips it)")
    parser.add_argument("--rate", type=float, default=200.0, help="fixed-rate phase: cases/s (0 skips it)")
    parser.add_argument("--duration", type=float, default=10.0, help="fixed-rate phase: seconds")
    parser.add_argument("--warmup-cases", type=int, default=200)
    parser.add_argument("--warmup-timeout", type=float, default=120.0)
    parser.add_argument("--complete-timeout", type=float, default=300.0, help="seconds after the last send")
    parser.add_argument("--policy-calls", type=int, default=5000, help="timed calls of the pure policy per config")
    parser.add_argument("--partitions", type=int, default=None, help="IKDZ_TOPIC_PARTITIONS")
    parser.add_argument(
        "--replicas", type=int, default=2, help="routing processes (one per core: one Python process uses one core)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    parser.add_argument("--keep-data", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra routing setting")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    prefix = f"benchrt{secrets.token_hex(4)}"
    data_dir = Path(tempfile.mkdtemp(prefix="ikdz-bench-routing-"))
    stack = make_stack(data_dir / "stack", prefix, args.partitions, args.replicas, args.env)
    say(f"IKDZ routing benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} CPUs, data in {data_dir}")
    say(f"   load average before start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    def work() -> bool:
        lines, ok, result = asyncio.run(bench(args, stack, Topics(f"{prefix}.")))
        say("\n".join(lines))
        if args.json is not None:
            args.json.write_text(json.dumps(result, indent=2) + "\n")
        return ok

    return run_with_stack(
        stack,
        data_dir,
        what="Kafka, FerretDB and routing",
        keep_data=args.keep_data,
        work=work,
        ready_timeout=args.ready_timeout,
    )


if __name__ == "__main__":
    sys.exit(main())
