"""The real broker and store, started by the ``infra`` fixture: messages round-trip, documents persist."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from bson import ObjectId
from ikdz_platform.localinfra import LocalFerretDB, LocalKafka, StartupError
from ikdz_platform.testing import Infra
from ikdz_platform.topic_admin import TopicAdminError, ensure_topics
from pymongo import AsyncMongoClient, MongoClient, ReturnDocument

pytestmark = pytest.mark.infra


async def _partition_counts(bootstrap_servers: str, topics: list[str]) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {entry["topic"]: len(entry["partitions"]) for entry in described if entry["error_code"] == 0}


async def test_a_message_round_trips_through_kafka(infra: Infra, topic_prefix: str) -> None:
    topic = f"{topic_prefix}case.submitted.v1"
    await ensure_topics(infra.kafka_bootstrap_servers, [topic], partitions=3, replication_factor=1)

    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, b'{"id": "1"}', key=b"case-1", headers=[("content-type", b"application/cloudevents+json")]
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap_servers,
        group_id=f"{topic_prefix}readers",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
        await consumer.commit()
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"case-1", b'{"id": "1"}')
    assert dict(record.headers)["content-type"] == b"application/cloudevents+json"


async def test_ensure_topics_is_idempotent_and_safe_in_parallel(infra: Infra, topic_prefix: str) -> None:
    topics = [f"{topic_prefix}a.v1", f"{topic_prefix}b.v1", f"{topic_prefix}a.v1.dlq"]
    await ensure_topics(infra.kafka_bootstrap_servers, topics, partitions=2, replication_factor=1)
    await ensure_topics(infra.kafka_bootstrap_servers, topics, partitions=2, replication_factor=1)
    # Several services starting at once, with overlapping topic lists.
    more = [*topics, f"{topic_prefix}c.v1"]
    await asyncio.gather(
        *(ensure_topics(infra.kafka_bootstrap_servers, more, partitions=2, replication_factor=1) for _ in range(4))
    )
    assert await _partition_counts(infra.kafka_bootstrap_servers, more) == dict.fromkeys(more, 2)


async def test_ensure_topics_rejects_impossible_settings(infra: Infra, topic_prefix: str) -> None:
    with pytest.raises(TopicAdminError, match="replication"):
        await ensure_topics(infra.kafka_bootstrap_servers, [f"{topic_prefix}x.v1"], partitions=1, replication_factor=3)


async def test_ensure_topics_with_nothing_to_do_needs_no_broker() -> None:
    await ensure_topics("127.0.0.1:1", [], partitions=1, replication_factor=1)


async def test_documents_persist_in_the_store(infra: Infra, mongo_db_name: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        cases = client[mongo_db_name]["cases"]
        await cases.create_index("file_number", unique=True)
        await cases.insert_one({"_id": "c1", "file_number": "WUR-GEW-2026-000001", "status": "submitted", "outbox": []})
        updated = await cases.find_one_and_update(
            {"_id": "c1", "status": "submitted"},
            {"$set": {"status": "routed"}, "$push": {"outbox": {"type": "case.routed"}}},
            return_document=ReturnDocument.AFTER,
        )
        found = await cases.find_one({"file_number": "WUR-GEW-2026-000001"})
    finally:
        await client.close()
    assert updated is not None
    assert updated["outbox"] == [{"type": "case.routed"}]
    assert found == updated


async def test_each_test_gets_its_own_database(infra: Infra, mongo_db_name: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        assert await client[mongo_db_name]["cases"].count_documents({}) == 0
    finally:
        await client.close()


@pytest.mark.parametrize("synchronous", ["normal", "full"])
def test_the_local_store_keeps_acknowledged_writes_when_it_is_killed(
    tmp_path: Path, infra: Infra, synchronous: str
) -> None:
    """``normal`` skips the fsync per commit, yet a crash of FerretDB (SIGKILL) loses nothing acknowledged."""
    if infra.source != "local":
        pytest.skip("only the local store runs from a data dir")
    store = LocalFerretDB(tmp_path / "ferretdb", synchronous=synchronous)

    def write_then_count() -> int:
        client: MongoClient[dict[str, Any]] = MongoClient(store.uri)
        try:
            cases = client["durability"]["cases"]
            count = cases.count_documents({})
            cases.insert_many([{"_id": f"c{count + n}"} for n in range(50)])
            for n in range(50):
                cases.insert_one({"_id": f"single{count + n}"})
            return count
        finally:
            client.close()

    store.start()
    try:
        assert write_then_count() == 0
    finally:
        store.kill()
    with store:
        assert write_then_count() == 100


@pytest.mark.parametrize(("level", "logged"), [("debug", True), ("warn", False)])
def test_the_local_store_logs_its_sql_statements_only_at_debug_level(
    tmp_path: Path, infra: Infra, level: str, logged: bool
) -> None:
    """Patch 0003 builds the per-statement records only when debug logging is on; they still come then."""
    if infra.source != "local":
        pytest.skip("only the local store is started here")
    store = LocalFerretDB(tmp_path / "ferretdb", log_level=level)
    with store:
        client: MongoClient[dict[str, Any]] = MongoClient(store.uri)
        try:
            client["logs"]["cases"].insert_one({"_id": "c1", "file_number": "WUR-GEW-2026-000001"})
        finally:
            client.close()
    text = store.log_path.read_text()
    assert ("WUR-GEW-2026-000001" in text and ">>> INSERT" in text) is logged


def test_the_local_store_refuses_an_unknown_synchronous_mode(tmp_path: Path, infra: Infra) -> None:
    if infra.source != "local":
        pytest.skip("only the local store is started here")
    with pytest.raises(StartupError, match="bad -synchronous"):
        LocalFerretDB(tmp_path / "ferretdb", synchronous="off").start()


@pytest.mark.timeout(300)  # two Kafka starts; slow on a loaded 2-core machine
def test_kafka_keeps_its_topics_across_a_restart(tmp_path: Path, infra: Infra) -> None:
    if infra.source != "local":
        pytest.skip("only the local Kafka runs from a data dir")
    kafka = LocalKafka(tmp_path / "kafka")
    with kafka:
        asyncio.run(ensure_topics(kafka.bootstrap_servers, ["kept.v1"], partitions=1, replication_factor=1))
    assert not kafka.running
    with kafka:
        assert asyncio.run(_partition_counts(kafka.bootstrap_servers, ["kept.v1"])) == {"kept.v1": 1}
    assert "shut down completed" in kafka.log_path.read_text()


async def test_the_local_store_finds_by_id_through_the_index_also_with_more_keys(
    infra: Infra, mongo_db_name: str
) -> None:
    if infra.source != "local":
        pytest.skip("the index patches are in the locally built FerretDB")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        db = client[mongo_db_name]
        await db["cases"].insert_many([{"_id": f"c{i}", "open": i % 2 == 0, "pool": "p"} for i in range(20)])
        explained = await db.command("explain", {"find": "cases", "filter": {"_id": "c4", "open": True}})
        found = await db["cases"].find_one({"_id": "c4", "open": True})
        wrong_extra_key = await db["cases"].find_one({"_id": "c4", "open": False})
        claimed = await db["cases"].find_one_and_update(
            {"_id": "c6", "open": True, "$or": [{"lease": {"$exists": False}}, {"lease": {"$lt": 5}}]},
            {"$set": {"lease": 10}},
            return_document=ReturnDocument.AFTER,
        )
        not_claimed_again = await db["cases"].find_one_and_update(
            {"_id": "c6", "open": True, "$or": [{"lease": {"$exists": False}}, {"lease": {"$lt": 5}}]},
            {"$set": {"lease": 20}},
        )
        settled = await db["cases"].update_one({"_id": "c6", "lease": 10}, {"$set": {"open": False}})
        counted = await db["cases"].count_documents({"_id": "c8", "pool": "p"})
    finally:
        await client.close()
    plan = " ".join(explained["queryPlanner"]["Plan"])
    assert "USING INDEX" in plan, plan
    assert explained["filterPushdown"] is True
    assert found == {"_id": "c4", "open": True, "pool": "p"}
    assert wrong_extra_key is None, "the other keys of the filter still apply"
    assert claimed == {"_id": "c6", "open": True, "pool": "p", "lease": 10}
    assert not_claimed_again is None
    assert settled.modified_count == 1
    assert counted == 1


async def test_the_local_store_finds_by_other_fields_through_their_index_with_mongodb_semantics(
    infra: Infra, mongo_db_name: str
) -> None:
    if infra.source != "local":
        pytest.skip("the index patches are in the locally built FerretDB")
    tricky = 'a<b>&"c\\ é 😀'
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        cases = client[mongo_db_name]["cases"]
        await cases.create_index("key", name="key")
        await cases.insert_many(
            [
                {"_id": "1", "key": tricky, "open": True},
                {"_id": "2", "key": ["x", tricky], "open": [False, True]},  # arrays holding the value match too
                {"_id": "3", "key": "other", "open": False},
                {"_id": "4", "open": True},
                {"_id": "5", "key": "[", "open": "true"},
                {"_id": "6", "key": {"nested": tricky}, "open": 1},
            ]
        )

        async def ids(query: dict[str, Any]) -> list[str]:
            return sorted(doc["_id"] for doc in await cases.find(query).to_list())

        assert await ids({"key": tricky}) == ["1", "2"]
        assert await ids({"open": True}) == ["1", "2", "4"]
        assert await ids({"open": "true"}) == ["5"]
        assert await ids({"key": "["}) == ["5"]
        assert await ids({"key": tricky, "open": True, "$or": [{"_id": "2"}, {"_id": "3"}]}) == ["2"]
        assert await cases.count_documents({"key": "other", "open": False}) == 1
        explained = await client[mongo_db_name].command("explain", {"find": "cases", "filter": {"key": "other"}})
    finally:
        await client.close()
    assert "USING INDEX" in " ".join(explained["queryPlanner"]["Plan"])


def _index_plan(explained: dict[str, Any]) -> str:
    """The SQLite plan FerretDB ran, after checking that it searched indexes only (no table scan)."""
    plan = " ".join(explained["queryPlanner"]["Plan"])
    assert explained["filterPushdown"] is True, explained
    assert "USING INDEX" in plan, plan
    assert "SCAN" not in plan, plan
    return plan


async def test_the_local_store_answers_in_from_the_index_with_mongodb_semantics(
    infra: Infra, mongo_db_name: str
) -> None:
    """Patch 0004: ``{_id: {$in}}`` and ``{field: {$in}}`` of strings (ObjectIDs, booleans) are index
    lookups; arrays holding a value still match, other lists and operators stay correct."""
    if infra.source != "local":
        pytest.skip("the index patches are in the locally built FerretDB")
    oid = ObjectId()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        db = client[mongo_db_name]
        cases = db["cases"]
        await cases.create_index("key", name="key")
        await cases.insert_many(
            [
                {"_id": "1", "key": "a", "open": True},
                {"_id": "2", "key": ["x", "b"], "open": [False, True]},  # arrays holding a value match
                {"_id": "3", "key": "c", "open": False},
                {"_id": "4", "open": True},  # no key
                {"_id": "5", "key": "[", "open": "true"},
                {"_id": "6", "key": {"nested": "a"}, "open": 1},
                {"_id": oid, "key": 1, "open": None},
                {"_id": "8", "key": ["a", "b"], "open": False},
            ]
        )

        async def ids(query: dict[str, Any]) -> list[str]:
            found = sorted(str(doc["_id"]) for doc in await cases.find(query).to_list())
            assert await cases.count_documents(query) == len(found)
            return found

        assert await ids({"key": {"$in": ["a", "b"]}}) == ["1", "2", "8"]
        assert await ids({"key": {"$in": ["[", "missing"]}}) == ["5"]
        assert await ids({"open": {"$in": [True, "true"]}}) == ["1", "2", "4", "5"]
        assert await ids({"_id": {"$in": ["3", oid, "9"]}}) == sorted(["3", str(oid)])
        assert await ids({"_id": {"$in": []}}) == []
        assert await ids({"key": {"$in": []}}) == []
        assert await ids({"key": {"$in": ["a", 1, None]}}) == sorted(["1", "4", str(oid), "8"]), "null: missing too"
        assert await ids({"key": {"$in": ["a", "b"], "$nin": ["x"]}}) == ["1", "8"]
        assert await ids({"_id": {"$in": ["1", "2", "3"]}, "key": {"$in": ["b", "c"]}, "open": False}) == ["2", "3"]
        assert (await cases.update_many({"_id": {"$in": ["1", "3"]}}, {"$set": {"seen": True}})).modified_count == 2
        assert await ids({"seen": True}) == ["1", "3"]
        assert (await cases.delete_many({"key": {"$in": ["b"]}})).deleted_count == 2
        assert (await cases.delete_many({"_id": {"$in": ["1", "2", "5"]}})).deleted_count == 2
        assert await ids({}) == sorted(["3", "4", "6", str(oid)])

        plans = {
            name: await db.command("explain", command)
            for name, command in {
                "_id": {"find": "cases", "filter": {"_id": {"$in": ["3", oid]}}},
                "field": {"find": "cases", "filter": {"key": {"$in": ["a", "b"]}}},
                "empty": {"find": "cases", "filter": {"_id": {"$in": []}}},
                "two keys": {"find": "cases", "filter": {"key": {"$in": ["a"]}, "open": True}},
                "backlog": {
                    "aggregate": "cases",
                    "pipeline": [
                        {"$match": {"key": {"$in": ["a", "b"]}}},
                        {"$group": {"_id": "$key", "n": {"$sum": 1}}},
                    ],
                    "cursor": {},
                },
                "mixed": {"find": "cases", "filter": {"key": {"$in": ["a", 1]}}},
                "with $nin": {"find": "cases", "filter": {"key": {"$in": ["a"], "$nin": ["b"]}}},
            }.items()
        }
    finally:
        await client.close()
    assert "_id_" in _index_plan(plans["_id"])
    assert "key" in _index_plan(plans["field"])
    assert plans["empty"]["filterPushdown"] is True, "IN (): SQLite skips the loop (its plan still says SCAN)"
    _index_plan(plans["two keys"])
    _index_plan(plans["backlog"])
    assert plans["mixed"]["filterPushdown"] is False, "a number in the list: the handlers read everything"
    assert plans["with $nin"]["filterPushdown"] is False


async def test_the_local_store_leaves_lists_beyond_sqlites_parameter_limit_to_the_handlers(
    infra: Infra, mongo_db_name: str
) -> None:
    """Patch 0004 hands at most 30,000 values to one SQLite statement (which takes 32,766 parameters)."""
    if infra.source != "local":
        pytest.skip("the index patches are in the locally built FerretDB")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        db = client[mongo_db_name]
        await db["cases"].insert_many([{"_id": f"c{n}"} for n in range(10)])
        pushed, too_many = [f"c{n}" for n in range(30_000)], [f"c{n}" for n in range(33_000)]
        found = [(await db["cases"].find({"_id": {"$in": ids}}).to_list()) for ids in (pushed, too_many)]
        plans = [
            await db.command("explain", {"find": "cases", "filter": {"_id": {"$in": ids}}})
            for ids in (pushed, too_many)
        ]
    finally:
        await client.close()
    assert [len(docs) for docs in found] == [10, 10]
    assert [plan["filterPushdown"] for plan in plans] == [True, False]


async def test_the_local_store_deletes_more_documents_than_sqlite_takes_parameters(
    infra: Infra, mongo_db_name: str
) -> None:
    """Patch 0005: a delete matching more than 32,766 documents used to fail ("too many SQL variables")."""
    if infra.source != "local":
        pytest.skip("the patches are in the locally built FerretDB")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        cases = client[mongo_db_name]["cases"]
        for start in range(0, 33_000, 5_500):
            await cases.insert_many([{"_id": f"c{n:05d}", "pool": "p"} for n in range(start, start + 5_500)])
        await cases.insert_one({"_id": "other", "pool": "q"})
        deleted = await cases.delete_many({"pool": "p"})
        left = await cases.find().to_list()
    finally:
        await client.close()
    assert deleted.deleted_count == 33_000
    assert left == [{"_id": "other", "pool": "q"}]
