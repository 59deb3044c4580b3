"""The ops command lists dead letters with their reasons and replays them to their original topic."""

from __future__ import annotations

import pytest
from ikdz_contracts.topics import dlq
from ikdz_platform import dlq as dlq_command
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from ikdz_platform.topic_admin import ensure_topics

pytestmark = pytest.mark.infra


async def test_list_and_replay(
    infra: Infra, producer: EventProducer, topic_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = f"{topic_prefix}case.submitted.v1"
    await ensure_topics(infra.kafka_bootstrap_servers, [topic, dlq(topic)], partitions=1, replication_factor=1)
    headers = {
        "content-type": b"application/cloudevents+json",
        "x-dlq-reason": b"RuntimeError: store down",
        "x-dlq-original-topic": topic.encode(),
        "x-dlq-attempts": b"3",
    }
    await producer.send_all(
        [
            OutgoingMessage(topic=dlq(topic), key=f"case-{n}".encode(), value=f"v{n}".encode(), headers=headers)
            for n in range(3)
        ]
    )

    assert (
        await dlq_command._main(
            dlq_command._parse(["list", dlq(topic), "--bootstrap-servers", infra.kafka_bootstrap_servers])
        )
        == 0
    )
    listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("0:")]
    assert len(listed) == 3
    assert "key=case-0" in listed[0]
    assert "reason=RuntimeError: store down" in listed[0]
    assert "attempts=3" in listed[0]

    args = ["replay", dlq(topic), "--offset", "1", "--bootstrap-servers", infra.kafka_bootstrap_servers]
    assert await dlq_command._main(dlq_command._parse(args)) == 0
    async with TopicReader(infra.kafka_bootstrap_servers, topic) as reader:
        [replayed] = await reader.wait_for(lambda r: len(r) >= 1)
    assert replayed.key == b"case-1"
    assert replayed.value == b"v1"
    assert dict(replayed.headers) == {"content-type": b"application/cloudevents+json"}


def test_refuses_a_topic_that_is_not_a_dead_letter_topic(capsys: pytest.CaptureFixture[str]) -> None:
    assert dlq_command.main(["list", "ikdz.case.submitted.v1", "--bootstrap-servers", "127.0.0.1:1"]) == 2
    assert "not a dead-letter topic" in capsys.readouterr().err
