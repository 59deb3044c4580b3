"""Ops command for dead-letter topics: list what failed and why, replay it once the cause is fixed.

    python -m ikdz_platform.dlq list ikdz.case.submitted.v1.dlq
    python -m ikdz_platform.dlq replay ikdz.case.submitted.v1.dlq [--offset 3 --offset 7]

Replaying sends the original key, value and headers (without the ``x-dlq-*`` ones) to the topic the
message came from; consumers are idempotent, so replaying a message twice does no harm.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from ikdz_contracts.topics import DLQ_SUFFIX

from ikdz_platform.producer import EventProducer, OutgoingMessage

DLQ_HEADER_PREFIX = "x-dlq-"


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    partition: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]

    @property
    def original_topic(self) -> str:
        return self.headers["x-dlq-original-topic"].decode()

    def header(self, name: str) -> str:
        return self.headers.get(f"{DLQ_HEADER_PREFIX}{name}", b"").decode(errors="replace")

    def original(self) -> OutgoingMessage:
        headers = {k: v for k, v in self.headers.items() if not k.startswith(DLQ_HEADER_PREFIX)}
        return OutgoingMessage(topic=self.original_topic, key=self.key, value=self.value, headers=headers)


async def read_dead_letters(bootstrap_servers: str, topic: str) -> list[DeadLetter]:
    """Everything currently in a dead-letter topic, oldest first per partition."""
    if not topic.endswith(DLQ_SUFFIX):
        msg = f"{topic} is not a dead-letter topic (they end in {DLQ_SUFFIX})"
        raise ValueError(msg)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        assigned = sorted(consumer.assignment())
        if not assigned:
            msg = f"no topic {topic}"
            raise ValueError(msg)
        ends = await consumer.end_offsets(assigned)
        letters: list[DeadLetter] = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            letters += [
                DeadLetter(r.offset, r.partition, r.key, r.value, {k: bytes(v) for k, v in r.headers})
                for records in batch.values()
                for r in records
            ]
        return letters
    finally:
        await consumer.stop()


async def replay(bootstrap_servers: str, letters: Sequence[DeadLetter]) -> int:
    producer = EventProducer(bootstrap_servers, client_id="ikdz-dlq-replay")
    await producer.start()
    try:
        await producer.send_all([letter.original() for letter in letters])
    finally:
        await producer.stop()
    return len(letters)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ikdz_platform.dlq", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("topic", help="the dead-letter topic, e.g. ikdz.case.submitted.v1.dlq")
    parser.add_argument("--offset", type=int, action="append", help="replay only these offsets (repeatable)")
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> int:
    letters = await read_dead_letters(args.bootstrap_servers, args.topic)
    if args.offset:
        letters = [letter for letter in letters if letter.offset in set(args.offset)]
    if args.command == "list":
        for letter in letters:
            print(  # noqa: T201 - this is a command-line tool
                f"{letter.partition}:{letter.offset}\tkey={(letter.key or b'').decode(errors='replace')}"
                f"\tattempts={letter.header('attempts')}\tfailed-at={letter.header('failed-at')}"
                f"\tgroup={letter.header('consumer-group')}\treason={letter.header('reason')}"
            )
        print(f"{len(letters)} dead letter(s) in {args.topic}", file=sys.stderr)  # noqa: T201
        return 0
    count = await replay(args.bootstrap_servers, letters)
    print(f"replayed {count} message(s) to their original topics", file=sys.stderr)  # noqa: T201
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return asyncio.run(_main(_parse(argv)))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2


if __name__ == "__main__":
    sys.exit(main())
