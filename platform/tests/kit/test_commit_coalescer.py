"""The commit coalescer without a broker: what it commits, when, and what it drops."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, KafkaConnectionError
from faststream.kafka import KafkaBroker
from ikdz_contracts.events import CaseStatus
from ikdz_platform.commits import COMMITS, CommitCoalescer
from ikdz_platform.consumer import DeadLetterPolicy, subscribe, subscribe_batch

A0 = TopicPartition("t", 0)
A1 = TopicPartition("t", 1)


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int


def records(partition: int, *offsets: int) -> list[Record]:
    return [Record("t", partition, offset) for offset in offsets]


class FakeConsumer:
    def __init__(self, assigned: set[TopicPartition] | None = None) -> None:
        self.assigned = {A0, A1} if assigned is None else assigned
        self.commits: list[dict[TopicPartition, int]] = []
        self.seeks: list[tuple[TopicPartition, int]] = []
        self.fail_with: Exception | None = None

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.commits.append(dict(offsets))

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))


async def test_handled_records_are_committed_together_once_the_interval_is_over() -> None:
    consumer = FakeConsumer()
    commits = CommitCoalescer(0.05)

    for offset in range(10):
        await commits.handled(consumer, records(0, offset))
    await commits.handled(consumer, [*records(1, 4, 5), *records(0, 10)])  # a batch of two partitions
    assert consumer.commits == []

    await asyncio.sleep(0.15)
    assert consumer.commits == [{A0: 11, A1: 6}], "one request, the offset after the last handled record"

    await commits.handled(consumer, records(0, 11))
    await asyncio.sleep(0.15)
    assert consumer.commits[1:] == [{A0: 12}]


async def test_interval_zero_commits_every_message_at_once() -> None:
    consumer = FakeConsumer()
    commits = CommitCoalescer(0)

    await commits.handled(consumer, records(0, 0))
    await commits.handled(consumer, records(0, 1, 2))

    assert consumer.commits == [{A0: 1}, {A0: 3}]


async def test_close_commits_what_is_pending_and_later_records_at_once() -> None:
    consumer, other = FakeConsumer(), FakeConsumer()
    commits = CommitCoalescer(60)
    await commits.handled(consumer, records(0, 0, 1))
    await commits.handled(other, records(1, 7))

    await commits.close()
    assert consumer.commits == [{A0: 2}]
    assert other.commits == [{A1: 8}]

    await commits.handled(consumer, records(0, 2))  # handled while the broker stops
    assert consumer.commits[1:] == [{A0: 3}]


async def test_offsets_of_revoked_partitions_are_dropped_and_the_rest_committed() -> None:
    consumer = FakeConsumer(assigned={A1})
    commits = CommitCoalescer(60)
    await commits.handled(consumer, [*records(0, 3), *records(1, 9)])

    await commits.close()

    assert consumer.commits == [{A1: 10}]


async def test_a_failed_commit_is_dropped_and_the_next_one_goes_out() -> None:
    consumer = FakeConsumer()
    commits = CommitCoalescer(0)
    dropped = COMMITS.labels("dropped")._value.get()

    consumer.fail_with = CommitFailedError("the group rebalanced")
    await commits.handled(consumer, records(0, 0))
    consumer.fail_with = KafkaConnectionError()
    await commits.handled(consumer, records(0, 1))
    consumer.fail_with = None
    await commits.handled(consumer, records(0, 2))

    assert consumer.commits == [{A0: 3}]
    assert COMMITS.labels("dropped")._value.get() == dropped + 2


def test_rewind_seeks_each_partition_to_its_earliest_record() -> None:
    consumer = FakeConsumer()

    CommitCoalescer.rewind(consumer, [*records(0, 5, 6), *records(1, 2, 3), *records(0, 7)])

    assert sorted(consumer.seeks) == [(A0, 5), (A1, 2)]


def test_subscribers_refuse_a_broker_without_a_commit_coalescer() -> None:
    """Nothing would ever be committed: they acknowledge nothing themselves (``AckPolicy.MANUAL``)."""
    dead_letters = DeadLetterPolicy(None, group_id="g")  # type: ignore[arg-type] - nothing is sent
    broker = KafkaBroker("127.0.0.1:9092", middlewares=[dead_letters.middleware])

    with pytest.raises(ValueError, match="CommitCoalescer"):
        subscribe(broker, "t", CaseStatus, group_id="g")
    with pytest.raises(ValueError, match="CommitCoalescer"):
        subscribe_batch(broker, "t", CaseStatus, group_id="g", dead_letters=dead_letters)
