"""The producer's partitioner: the same partitions as Kafka's default (murmur2), so a case's events
keep their order and land where Java clients would put them."""

from __future__ import annotations

import uuid

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as kafka_murmur2
from ikdz_platform.producer import murmur2, partition_of


@pytest.mark.parametrize("count", [1, 2, 3, 7, 12])
def test_keys_go_to_the_partitions_kafkas_default_partitioner_picks(count: int) -> None:
    partitions = list(range(count))
    keys = [str(uuid.UUID(int=n * 7919)).encode() for n in range(500)] + [b"", b"21", "Straße".encode()]
    for key in [*keys, *keys]:  # the second round answers from the remembered hashes
        assert partition_of(key, partitions, partitions) == DefaultPartitioner()(key, partitions, partitions)


def test_a_record_without_key_goes_to_an_available_partition() -> None:
    assert {partition_of(None, [0, 1, 2], [2]) for _ in range(20)} == {2}
    assert {partition_of(None, [0, 1, 2], []) for _ in range(200)} == {0, 1, 2}


def test_murmur2_is_kafkas_for_every_length_of_tail() -> None:
    keys = [bytes(range(n)) for n in range(40)] + [b"\xff" * n for n in range(9)] + ["Straße".encode()]
    assert [murmur2(key) for key in keys] == [kafka_murmur2(key) for key in keys]
