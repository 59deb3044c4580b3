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
    # 2 KiB records: a partition's share of one call fills several batches (of 16 KiB here).
    messages = [_message(topics[n % 2], keys[n % 7], n, size=2048) for n in range(140)]
    concurrent = [[_message(topics[0], key, n) for n in range(30)] for key in ("case-x", "case-y")]
    keyless = OutgoingMessage(topic=topics[1], key=None, value=b"no key")
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test-batches", max_batch_bytes=16384)
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


async def test_one_call_travels_as_one_produce_request(infra: Infra, topic_prefix: str) -> None:
    """A call's records for six partitions (two topics, three partitions), 4 KiB each and 80 KiB
    for one partition (a relay pass of recipient messages), go out as one request: with 16 KiB
    batches they went as one request per batch, each after the broker had answered the one before."""
    topics = [Topics(topic_prefix).case_status, Topics(topic_prefix).case_routed]
    await ensure_topics(infra.kafka_bootstrap_servers, topics, partitions=3, replication_factor=1)
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test-one-request")
    await producer.start()
    # New topics: the first requests may meet partitions whose leader is not known yet (retried).
    await producer.send_all([_message(topic, f"case-{n}", -1) for topic in topics for n in range(12)])
    client = producer._producer.client  # counting the requests it sends
    send = client.send
    produce_requests: list[int] = []

    async def counting(node_id: int, request: object, **kwargs: object) -> object:
        if getattr(request, "API_KEY", None) == 0:  # PRODUCE
            topics = request._topics  # type: ignore[attr-defined]
            produce_requests.append(sum(len(partitions) for _, partitions in topics))
        return await send(node_id, request, **kwargs)

    client.send = counting  # type: ignore[method-assign]
    try:
        for round_ in range(5):
            messages = [_message(topics[n % 2], f"case-{n}", round_, size=4096) for n in range(12)]
            messages += [_message(topics[0], "case-0", round_ * 100 + n, size=4096) for n in range(20)]
            await producer.send_all(messages)
    finally:
        await producer.stop()

    assert len(produce_requests) == 5, produce_requests
    assert all(partitions == 6 for partitions in produce_requests), produce_requests
