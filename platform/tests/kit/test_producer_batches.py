"""The producer on the real broker: records handed over in batches per partition arrive where the
default partitioner puts them, in order per partition, with their headers, each once."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.partitioner import DefaultPartitioner
from ikdz_contracts.topics import Topics
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from ikdz_platform.topic_admin import ensure_topics

pytestmark = pytest.mark.infra


def _message(topic: str, key: str, n: int, size: int = 100) -> OutgoingMessage:
    return OutgoingMessage(topic=topic, key=key.encode(), value=f"{key}:{n:05d}:".encode().ljust(size, b"."))


async def test_records_keep_their_order_per_key_across_batches_and_topics(infra: Infra, topic_prefix: str) -> None:
    topics = [Topics(topic_prefix).case_status, Topics(topic_prefix).case_routed]
    await ensure_topics(infra.kafka_bootstrap_servers, topics, partitions=3, replication_factor=1)
    keys = [f"case-{n}" for n in range(7)]
    # 2 KiB records: a partition's share of one call fills several batches (16 KiB each).
    messages = [_message(topics[n % 2], keys[n % 7], n, size=2048) for n in range(140)]
    concurrent = [[_message(topics[0], key, n) for n in range(30)] for key in ("case-x", "case-y")]
    keyless = OutgoingMessage(topic=topics[1], key=None, value=b"no key")
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test-batches")
    await producer.start()
    try:
        await producer.send_all(messages)
        await asyncio.gather(*(producer.send_all(batch) for batch in concurrent))  # each call's records in order
        await producer.send_all([keyless])
    finally:
        await producer.stop()

    sent = [*messages, *concurrent[0], *concurrent[1], keyless]
    async with TopicReader(infra.kafka_bootstrap_servers, *topics) as reader:
        await reader.wait_for(lambda r: len(r) >= len(sent))
        records = await reader.settle(0.5)
    assert sorted(r.value for r in records) == sorted(m.value for m in sent), "each record once"
    partitions = [0, 1, 2]
    for record in records:
        assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
        if record.key is not None:
            assert record.partition == DefaultPartitioner()(record.key, partitions, partitions)
    for topic in topics:
        for key in {m.key for m in sent if m.topic == topic and m.key is not None}:
            arrived = sorted((r for r in records if r.topic == topic and r.key == key), key=lambda r: r.offset)
            assert [r.value for r in arrived] == [m.value for m in sent if m.topic == topic and m.key == key]
