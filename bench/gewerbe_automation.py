"""Automation report: how many Gewerbeanzeigen the real stack handles without a human touch.

Starts Kafka, FerretDB (or uses the ones ``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI`` name) and the
five services (``ikdz_platform.stack.Stack``, free ports, a fresh data dir, a unique topic prefix), registers the businesses that the counted Um- and Abmeldungen refer to
(the seed, not counted), then files ``--cases`` notices in the seeded mix of ``bench/gewerbe_mix.py``
through intake's JSON API, waits until trade-registration has decided each one, and prints per profile
and overall: the share decided without a human touch (no ``task.requested`` for the case) and the
human touches per case (tasks requested). The mix and its sources are in docs/gewerbe.md.

Run: ``uv run python bench/gewerbe_automation.py [--cases 1000 --seed 7 --concurrency 16]``.
Exits 1 if a request failed, a case was not decided in time or a process died; the aim (80 %
without a human touch) is reported, not enforced. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer
from gewerbe_mix import PROFILES, Notice, generate
from ikdz_contracts.topics import Topics
from ikdz_platform.stack import Stack, default_services

AIM_NO_TOUCH = 0.80
DECIDED = {"completed", "awaiting_clerk", "rejected"}


@dataclasses.dataclass
class Seen:
    states: list[str] = dataclasses.field(default_factory=list)
    tasks: int = 0

    @property
    def decided(self) -> bool:
        return any(state in DECIDED for state in self.states)


class Observer:
    """Reads case.status and task.requested from the start and keeps what each case got."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.seen: dict[str, Seen] = defaultdict(Seen)
        self._topics = topics
        self._consumer = AIOKafkaConsumer(
            topics.case_status,
            topics.task_requested,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _run(self) -> None:
        async for record in self._consumer:
            event = json.loads(record.value)
            seen = self.seen[event["subject"]]
            if record.topic == self._topics.task_requested:
                seen.tasks += 1
            else:
                seen.states.append(event["data"]["state"])

    async def wait_decided(self, case_ids: Sequence[str], within: float) -> list[str]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            missing = [c for c in case_ids if not self.seen[c].decided]
            if not missing:
                await asyncio.sleep(1.0)  # tasks are written with the decision; let the reader catch up
                return []
            await asyncio.sleep(0.5)
        return [c for c in case_ids if not self.seen[c].decided]


async def submit_all(client: httpx.AsyncClient, notices: Sequence[Notice], concurrency: int, run: str) -> list[str]:
    limit = asyncio.Semaphore(concurrency)

    async def one(notice: Notice, index: int) -> str:
        body = {
            "service": "trade-registration",
            "owner_ags": notice.owner_ags,
            "applicant": {"kind": "natural_person", "name": "Bench Mark"},
            "payload": notice.payload,
        }
        async with limit:
            response = await client.post(
                "/api/v1/cases", json=body, headers={"Idempotency-Key": f"gew-{run}-{notice.profile.name}-{index}"}
            )
        if response.status_code != 201:
            msg = f"intake refused {notice.profile.name} #{index}: {response.status_code} {response.text[:300]}"
            raise RuntimeError(msg)
        return str(response.json()["case_id"])

    return list(await asyncio.gather(*(one(n, i) for i, n in enumerate(notices))))


def report(counted: Sequence[Notice], case_ids: Sequence[str], observer: Observer) -> tuple[list[str], float]:
    rows: dict[str, list[Seen]] = defaultdict(list)
    for notice, case_id in zip(counted, case_ids, strict=True):
        rows[notice.profile.name].append(observer.seen[case_id])
    lines = [f"{'profile':<24}{'cases':>7}{'no touch':>10}{'touches/case':>14}  final states"]
    for profile in PROFILES:
        seen = rows.get(profile.name, [])
        if not seen:
            continue
        untouched = sum(s.tasks == 0 for s in seen)
        finals = Counter(s.states[-1] if s.states else "-" for s in seen)
        lines.append(
            f"{profile.name:<24}{len(seen):>7}{untouched / len(seen):>10.1%}"
            f"{sum(s.tasks for s in seen) / len(seen):>14.2f}  {dict(finals)}"
        )
    everything = [s for seen in rows.values() for s in seen]
    share = sum(s.tasks == 0 for s in everything) / len(everything)
    touches = sum(s.tasks for s in everything) / len(everything)
    lines.append(f"{'all':<24}{len(everything):>7}{share:>10.1%}{touches:>14.2f}")
    verdict = "met" if share >= AIM_NO_TOUCH else "NOT met"
    lines.append(f"aim ≥ {AIM_NO_TOUCH:.0%} without a human touch: {verdict} ({share / AIM_NO_TOUCH:.2f} × aim)")
    return lines, share


async def bench(args: argparse.Namespace, stack: Stack, topics: Topics, run: str) -> list[str]:
    today = datetime.now(UTC).date()
    seeds, counted = generate(args.cases, args.seed, today)
    observer = Observer(stack.kafka_bootstrap_servers, topics)
    await observer.start()
    try:
        async with httpx.AsyncClient(base_url=stack.service("intake").base_url, timeout=60, trust_env=False) as client:
            started = time.monotonic()
            seed_ids = await submit_all(client, seeds, args.concurrency, f"{run}-seed")
            if missing := await observer.wait_decided(seed_ids, args.timeout):
                msg = f"{len(missing)} seed registrations not decided within {args.timeout} s"
                raise RuntimeError(msg)
            print(f"   seeded {len(seeds)} registered businesses in {time.monotonic() - started:.1f} s")
            started = time.monotonic()
            case_ids = await submit_all(client, counted, args.concurrency, run)
            if missing := await observer.wait_decided(case_ids, args.timeout):
                msg = f"{len(missing)} of {len(case_ids)} cases not decided within {args.timeout} s"
                raise RuntimeError(msg)
            elapsed = time.monotonic() - started
        lines, _ = report(counted, case_ids, observer)
        return [
            f"   {len(case_ids)} counted cases decided in {elapsed:.1f} s ({len(case_ids) / elapsed:.1f}/s)",
            *lines,
        ]
    finally:
        await observer.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="counted notices (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the mix (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=16, help="POSTs in flight (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for decisions")
    args = parser.parse_args(argv)
    run = secrets.token_hex(4)
    prefix = f"gew{run}"
    data_dir = Path(tempfile.mkdtemp(prefix="ikdz-gewerbe-bench-"))
    specs = [dataclasses.replace(spec, port=0) for spec in default_services({})]
    extra_env = {
        "IKDZ_TOPIC_PREFIX": f"{prefix}.",
        "MONGODB_DATABASE_PREFIX": f"{prefix}_",
        "IKDZ_LOG_LEVEL": "WARNING",
    }
    # An infrastructure that is already running (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI) is used as it is.
    stack = Stack(
        data_dir / "stack",
        services=specs,
        extra_env=extra_env,
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
        mongodb_uri=os.environ.get("MONGODB_URI"),
    )
    print(f"IKDZ Gewerbe automation report {time.strftime('%Y-%m-%d %H:%M:%S')}, seed {args.seed}, data in {data_dir}")
    try:
        stack.start()
        lines = asyncio.run(bench(args, stack, Topics(f"{prefix}."), run))
        print("\n".join(lines))
    except (RuntimeError, httpx.HTTPError) as error:
        print(f"!! {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
