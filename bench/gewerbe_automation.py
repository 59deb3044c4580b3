"""Automation report: how many Gewerbeanzeigen the real stack handles without a human touch, and why not.

Starts Kafka, FerretDB and the five services (``ikdz_platform.stack.Stack``: free loopback ports, a
fresh data dir, a unique topic prefix; ``--env-infra`` uses the Kafka and store that
``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI`` name instead), then

1. files the **base registrations** the counted Um- and Abmeldungen refer to (permit-free
   Anmeldungen of the same holder and Betriebsstätte; not counted) and waits for their receipts;
2. files ``--cases`` notices of the seeded mix of ``bench/gewerbe_generator.py`` through intake's
   JSON API for portals (``POST /api/v1/gewerbeanzeigen``; rule errors are refused there with 422,
   as a portal user would see them), ``--concurrency`` at a time;
3. waits until trade-registration has decided each accepted case (``case.status`` completed,
   awaiting_clerk or rejected) and no further ``task.requested`` arrives for ``--quiet`` seconds.

A **human touch** is a ``task.requested`` for the case on Kafka (what routing receives). The reason
of a task is its row of the decision table, from the ``gewerbe.task.opened`` event with the same
task id. Printed: the share of accepted cases without a human touch (and its ratio to the aim of
80 %), touches per case, per profile of the generator, per reason, and every case whose tasks differ
from what the pure decision table (``ikdz_trade_registration.domain.decision.decide``) predicts.

Run: ``uv run python bench/gewerbe_automation.py [--cases 1000 --seed 7 --concurrency 8]``.
Exits 1 if the service issued no receipt for a base registration, a case was not decided in time,
intake refused a notice that should pass, or a process died; the aim is reported, not enforced.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from e2e import BenchError, TopicObserver, run_with_stack, wait_for_cases
from gewerbe_generator import GeneratedCase, Generator
from ikdz_contracts.payloads.gewerbe import parse_payload
from ikdz_contracts.payloads.gewerbe_rules import RuleContext
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_contracts.topics import Topics
from ikdz_platform.stack import Stack, default_services
from ikdz_trade_registration.adapters.fee_config import load_fee_config
from ikdz_trade_registration.domain.decision import DecisionContext, decide

AIM_NO_TOUCH = 0.80
DECIDED = frozenset({"completed", "awaiting_clerk", "rejected"})
RECEIPT_ISSUED = "de.ikdz.gewerbe.receipt.issued.v1"
TASK_OPENED = "de.ikdz.gewerbe.task.opened.v1"


@dataclasses.dataclass
class Seen:
    """What the observer read about one case, with the local time each first arrived."""

    states: list[str] = dataclasses.field(default_factory=list)
    decided_at: float | None = None
    receipt_at: float | None = None
    tasks: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (task_id, kind)

    @property
    def decided(self) -> bool:
        return self.decided_at is not None


class Observer(TopicObserver):
    """Reads case.status, task.requested and gewerbe.events from the start (no consumer group)."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        super().__init__(
            bootstrap,
            [topics.case_status, topics.task_requested, topics.gewerbe_events],
            client_id="ikdz-bench-gewerbe",
            fetch_max_wait_ms=50,
            poll_ms=100,
        )
        self.seen: dict[str, Seen] = defaultdict(Seen)
        self.task_category: dict[str, str] = {}
        self.last_task_at = 0.0
        self._topics = topics

    def take(self, record: Any, received: float) -> None:
        event = json.loads(record.value)
        data = event["data"]
        seen = self.seen[data.get("case_id") or event["subject"]]
        if record.topic == self._topics.task_requested:
            seen.tasks.append((data["task_id"], data["kind"]))
            self.last_task_at = received
        elif record.topic == self._topics.case_status:
            seen.states.append(data["state"])
            if data["state"] in DECIDED and seen.decided_at is None:
                seen.decided_at = received
        elif event["type"] == RECEIPT_ISSUED and seen.receipt_at is None:
            seen.receipt_at = received
        elif event["type"] == TASK_OPENED:
            self.task_category[data["task_id"]] = data["category"]

    def reasons(self, case_id: str) -> list[str]:
        """The decision-table row of each task of the case (the task kind if no task.opened was read)."""
        return sorted(self.task_category.get(task_id, f"kind:{kind}") for task_id, kind in self.seen[case_id].tasks)

    async def wait(self, case_ids: Sequence[str], done: str, within: float) -> list[str]:
        """Wait until every case is ``decided`` or has its ``receipt``; returns those that are not."""
        return await wait_for_cases(case_ids, lambda case_id: self._done(case_id, done), within, interval=0.25)

    def _done(self, case_id: str, done: str) -> bool:
        seen = self.seen.get(case_id)
        if seen is None:
            return False
        return seen.decided if done == "decided" else seen.receipt_at is not None

    async def quiet(self, seconds: float, within: float) -> None:
        """Tasks are relayed with the decision but not in its record: wait until none arrived for ``seconds``."""
        for _ in range(int(within / 0.25)):
            if time.time() - self.last_task_at >= seconds:
                return
            await asyncio.sleep(0.25)


@dataclasses.dataclass
class Filed:
    """One POST to intake: the case id, or the refusal."""

    status: int
    case_id: str | None
    sent_at: float
    answered_at: float
    problem: str | None = None


async def file_notice(client: httpx.AsyncClient, payload: dict[str, Any], key: str) -> Filed:
    """POST one Gewerbeanzeige to the portal API; ``sent_at`` is when the request started."""
    sent = time.time()
    try:
        response = await client.post("/api/v1/gewerbeanzeigen", json=payload, headers={"Idempotency-Key": key})
    except httpx.HTTPError as error:
        return Filed(0, None, sent, time.time(), f"{type(error).__name__}: {error}"[:300])
    answered = time.time()
    if response.status_code == 201:
        return Filed(201, str(response.json()["case_id"]), sent, answered)
    return Filed(response.status_code, None, sent, answered, response.text[:500])


async def file_all(
    client: httpx.AsyncClient, payloads: Sequence[dict[str, Any]], concurrency: int, key_prefix: str
) -> list[Filed]:
    limit = asyncio.Semaphore(concurrency)

    async def one(index: int, payload: dict[str, Any]) -> Filed:
        async with limit:
            return await file_notice(client, payload, f"{key_prefix}-{index:06d}")

    return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(payloads))))


@functools.cache
def _decision_context(today: date) -> DecisionContext:
    return DecisionContext(rules=RuleContext(today=today, wz=wz_catalogue()), fees=load_fee_config())


def predicted_reasons(case: GeneratedCase, today: date) -> list[str]:
    """The task categories the pure decision table gives the notice (no register: resolution not included)."""
    return sorted(task.category.value for task in decide(parse_payload(case.payload), _decision_context(today)).tasks)


async def register_bases(
    client: httpx.AsyncClient, observer: Observer, cases: Sequence[GeneratedCase], args: argparse.Namespace, run: str
) -> None:
    """File and wait for the businesses the Um-/Abmeldungen refer to; fail clearly when no receipt comes."""
    bases = [c.base for c in cases if c.base is not None]
    if not bases:
        return
    started = time.monotonic()
    filed = await file_all(client, bases, args.concurrency, f"gew-{run}-base")
    refused = [f for f in filed if f.case_id is None]
    if refused:
        msg = f"intake refused {len(refused)} of {len(bases)} base registrations; first: {refused[0].problem}"
        raise BenchError(msg)
    ids = [str(f.case_id) for f in filed]
    missing = await observer.wait(ids, "receipt", args.timeout)
    if missing:
        states = Counter(observer.seen[c].states[-1] if observer.seen[c].states else "none" for c in missing)
        msg = (
            f"{len(missing)} of {len(ids)} base registrations got no receipt (gewerbe.receipt.issued) within "
            f"{args.timeout:g} s; their last case.status: {dict(states)}. Does trade-registration issue receipts?"
        )
        raise BenchError(msg)
    touched = sum(1 for c in ids if observer.seen[c].tasks)
    print(f"   {len(ids)} base registrations received in {time.monotonic() - started:.1f} s ({touched} with a task)")


def report(cases: Sequence[GeneratedCase], filed: Sequence[Filed], observer: Observer, today: date) -> list[str]:
    accepted = [(c, f) for c, f in zip(cases, filed, strict=True) if f.case_id is not None]
    refused = [(c, f) for c, f in zip(cases, filed, strict=True) if f.case_id is None]
    lines = [f"\n== {len(cases)} notices: {len(accepted)} accepted, {len(refused)} refused at intake (422) =="]
    for defect, count in sorted(Counter(c.profile for c, _ in refused).items()):
        lines.append(f"   refused {defect}: {count}")

    by_profile: dict[str, list[tuple[GeneratedCase, Seen]]] = defaultdict(list)
    for case, f in accepted:
        by_profile[case.profile].append((case, observer.seen[str(f.case_id)]))
    lines.append(f"\n{'profile':<40}{'cases':>6}{'no touch':>10}{'touches/case':>14}  final states")
    for profile in sorted(by_profile, key=lambda p: -len(by_profile[p])):
        rows = by_profile[profile]
        untouched = sum(not s.tasks for _, s in rows)
        finals = Counter(s.states[-1] if s.states else "-" for _, s in rows)
        lines.append(
            f"{profile:<40}{len(rows):>6}{untouched / len(rows):>10.1%}"
            f"{sum(len(s.tasks) for _, s in rows) / len(rows):>14.2f}  {dict(sorted(finals.items()))}"
        )

    seen = [observer.seen[str(f.case_id)] for _, f in accepted]
    n = len(seen)
    share = sum(not s.tasks for s in seen) / n
    touches = sum(len(s.tasks) for s in seen) / n
    share_all = (sum(not s.tasks for s in seen) + len(refused)) / len(cases)
    lines.append(f"{'all accepted':<40}{n:>6}{share:>10.1%}{touches:>14.2f}")

    reasons = Counter(r for _, f in accepted for r in observer.reasons(str(f.case_id)))
    cases_with = Counter(r for _, f in accepted for r in set(observer.reasons(str(f.case_id))))
    lines.append("\n== human touches per reason (decision-table row of the task) ==")
    lines.append(f"{'reason':<28}{'tasks':>7}{'cases':>7}{'% of cases':>12}")
    for reason, count in reasons.most_common():
        lines.append(f"{reason:<28}{count:>7}{cases_with[reason]:>7}{cases_with[reason] / n:>12.1%}")

    differing = []
    for case, f in accepted:
        if case.base is None and case.kind.value != "anmeldung":
            continue  # an Um-/Abmeldung of an unknown business is decided by the register, not the table
        observed, predicted = observer.reasons(str(f.case_id)), predicted_reasons(case, today)
        if observed != predicted:
            differing.append(f"   {case.profile} #{case.index}: stack {observed}, decision table {predicted}")
    lines.append(f"\n== cases whose tasks differ from the pure decision table: {len(differing)} ==")
    lines += differing[:20]

    verdict = "met" if share >= AIM_NO_TOUCH else "NOT met"
    lines.append("\n== aim ==")
    lines.append(
        f"  without a human touch: {share:.1%} of accepted cases (aim ≥ {AIM_NO_TOUCH:.0%}: {verdict}, "
        f"{share / AIM_NO_TOUCH:.2f}× the aim); {share_all:.1%} of all notices counting intake refusals as untouched"
    )
    lines.append(f"  human touches per accepted case: {touches:.3f}")
    return lines


async def run(args: argparse.Namespace, stack: Stack, topics: Topics, run_id: str) -> list[str]:
    today = datetime.now(UTC).date()
    cases = Generator(args.seed, today).cases(args.cases)
    observer = Observer(stack.kafka_bootstrap_servers, topics)
    await observer.start()
    try:
        async with httpx.AsyncClient(
            base_url=stack.service("intake").base_url, timeout=args.http_timeout, trust_env=False
        ) as client:
            await register_bases(client, observer, cases, args, run_id)
            started = time.monotonic()
            filed = await file_all(client, [c.payload for c in cases], args.concurrency, f"gew-{run_id}")
            unexpected = [
                (c, f) for c, f in zip(cases, filed, strict=True) if (f.case_id is None) != c.refused_at_intake
            ]
            if unexpected:
                case, f = unexpected[0]
                msg = (
                    f"{len(unexpected)} notices not answered as expected; first {case.profile}: {f.status} {f.problem}"
                )
                raise BenchError(msg)
            ids = [str(f.case_id) for f in filed if f.case_id is not None]
            missing = await observer.wait(ids, "decided", args.timeout)
            if missing:
                msg = f"{len(missing)} of {len(ids)} accepted cases not decided within {args.timeout:g} s"
                raise BenchError(msg)
            elapsed = time.monotonic() - started
            await observer.quiet(args.quiet, args.timeout)
        lines = [f"   {len(ids)} accepted cases decided in {elapsed:.1f} s ({len(ids) / elapsed:.1f} cases/s)"]
        return lines + report(cases, filed, observer, today)
    finally:
        await observer.stop()


def make_stack(data_dir: Path, prefix: str, env_infra: bool) -> Stack:
    """The five services on free ports; Kafka and FerretDB of their own unless ``env_infra``."""
    extra_env = {
        "IKDZ_TOPIC_PREFIX": f"{prefix}.",
        "MONGODB_DATABASE_PREFIX": f"{prefix}_",
        "IKDZ_LOG_LEVEL": "WARNING",
    }
    specs = [dataclasses.replace(spec, port=0) for spec in default_services({})]
    return Stack(
        data_dir,
        services=specs,
        extra_env=extra_env,
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") if env_infra else None,
        mongodb_uri=os.environ.get("MONGODB_URI") if env_infra else None,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="counted notices (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=8, help="POSTs in flight (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for receipts and decisions")
    parser.add_argument("--quiet", type=float, default=3.0, help="seconds without a new task before counting")
    parser.add_argument("--http-timeout", type=float, default=60.0, help="seconds per HTTP request")
    parser.add_argument("--env-infra", action="store_true", help="use KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI")
    parser.add_argument("--keep-data", action="store_true", help="keep the data dir (logs) after the run")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    run_id = secrets.token_hex(4)
    prefix = f"gew{run_id}"
    data_dir = Path(tempfile.mkdtemp(prefix="ikdz-gewerbe-automation-"))
    stack = make_stack(data_dir / "stack", prefix, args.env_infra)
    print(f"IKDZ Gewerbe automation report {time.strftime('%Y-%m-%d %H:%M:%S')}, seed {args.seed}, data in {data_dir}")
    print(f"   load average before start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    def work() -> bool:
        print("\n".join(asyncio.run(run(args, stack, Topics(f"{prefix}."), run_id))))
        print(f"   load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (2 shared cores)")
        return True

    return run_with_stack(stack, data_dir, what="the stack", keep_data=args.keep_data, work=work)


if __name__ == "__main__":
    sys.exit(main())
