"""Routing on the real broker and store: a submitted case lands on a pool's work topic, once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from ikdz_contracts.cloudevents import CloudEvent, decode, encode, new_event
from ikdz_contracts.events import Applicant, CaseRouted, CaseState, CaseStatus, CaseSubmitted
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.outbox import unpacked_outbox
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.store_commands import StoreCommands
from ikdz_platform.testing.topics import TopicReader
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.route_case import RouteCase
from ikdz_routing.bootstrap import create_app
from ikdz_routing.settings import RoutingSettings
from pymongo import AsyncMongoClient

from .fakes import store_only_relay

pytestmark = pytest.mark.infra


def submitted(case_id: str, owner_ags: str = "14729410") -> bytes:
    return encode(submitted_event(case_id, owner_ags))


def submitted_event(
    case_id: str, owner_ags: str = "14729410", service: ServiceId = ServiceId.TRADE_REGISTRATION
) -> CloudEvent[CaseSubmitted]:
    data = CaseSubmitted(
        case_id=case_id,
        file_number="WUR-GEW-2026-000042",
        service=service,
        owner_ags=owner_ags,
        submitted_at=datetime.now(UTC),
        channel="api",
        applicant=Applicant(kind="natural_person", name="Erika Mustermann"),
        payload={"activity": "Webdesign"},
    )
    return new_event(data, source="urn:ikdz:intake", subject=case_id, ownerags=owner_ags)


@pytest.fixture
async def routing(infra: Infra, mongo_db_name: str, topic_prefix: str) -> AsyncIterator[Any]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    # Wurzen's pool already has a longer backlog than Augustusburg's.
    await mongo[mongo_db_name]["routes"].insert_many([{"_id": f"old-{i}", "pool_id": "wurzen"} for i in range(3)])
    settings = settings_for(RoutingSettings, infra, database=mongo_db_name, topic_prefix=topic_prefix, dev_issuer=True)
    async with running(create_app(settings)):
        yield mongo[mongo_db_name]
    await mongo.close()


async def test_a_wurzen_case_goes_to_augustusburg_when_wurzens_backlog_is_longer_and_only_once(
    infra: Infra, topic_prefix: str, routing: Any
) -> None:
    topics = Topics(topic_prefix)
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test")
    await producer.start()
    event = OutgoingMessage(topic=topics.case_submitted, key=b"case-r1", value=submitted("case-r1"))
    await producer.send_all([event, event])  # redelivered
    await producer.stop()

    work_topic = topics.work(ServiceId.TRADE_REGISTRATION, "augustusburg")
    async with TopicReader(infra.kafka_bootstrap_servers, work_topic, topics.case_routed, topics.case_status) as reader:
        await reader.wait_for(lambda r: len(r) >= 3)
        records = await reader.settle(1.5)
    by_topic = {
        topic: [r for r in records if r.topic == topic]
        for topic in (work_topic, topics.case_routed, topics.case_status)
    }
    assert [len(v) for v in by_topic.values()] == [1, 1, 1], "one effect despite the redelivery"

    work = decode(by_topic[work_topic][0].value, CaseSubmitted)
    assert work.processingags == "14522020"
    assert work.agreementref == "ZV-IKDZ-2026-01 Wurzen/Augustusburg"  # documents cite the agreement
    assert work.data.payload == {"activity": "Webdesign"}

    routed = decode(by_topic[topics.case_routed][0].value, CaseRouted)
    assert routed.data.pool_id == "augustusburg"
    assert routed.data.agreement_ref == "ZV-IKDZ-2026-01 Wurzen/Augustusburg"
    assert "lowest expected wait" in routed.data.decision.reasons[0]
    assert routed.causationid is not None

    status = decode(by_topic[topics.case_status][0].value, CaseStatus)
    assert status.data.state == CaseState.ROUTED
    assert status.data.processing_town == "Augustusburg"
    assert await routing["routes"].count_documents({"pool_id": "augustusburg"}) == 1


async def test_a_town_that_is_not_onboarded_gets_a_plain_german_rejection(
    infra: Infra, topic_prefix: str, routing: Any
) -> None:
    topics = Topics(topic_prefix)
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test")
    await producer.start()
    await producer.send_all(
        [OutgoingMessage(topic=topics.case_submitted, key=b"case-r2", value=submitted("case-r2", "14729160"))]
    )
    await producer.stop()

    async with TopicReader(infra.kafka_bootstrap_servers, topics.case_status) as reader:
        [record] = await reader.wait_for(lambda r: len(r) >= 1)
    status = decode(record.value, CaseStatus)
    assert status.data.state == CaseState.REJECTED
    assert "bietet diesen Dienst noch nicht" in (status.data.message_de or "")


async def test_closed_cases_leave_the_backlog_once(infra: Infra, mongo_db_name: str) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    repository = MongoRouteRepository(mongo[mongo_db_name], store_only_relay())
    await repository.create_indexes()
    assert await repository.insert_many([({"_id": f"c{n}", "pool_id": "wurzen"}, []) for n in range(3)]) == {
        "c0",
        "c1",
        "c2",
    }
    assert await repository.insert_many([({"_id": "c0", "pool_id": "wurzen"}, [])]) == set(), "routed before"
    twice = [({"_id": "c3", "pool_id": "wurzen"}, []), ({"_id": "c3", "pool_id": "augustusburg"}, [])]
    assert await repository.insert_many(twice) == {"c3"}, "twice in one batch: the first copy counts"

    await repository.close([("c1", None)])
    await repository.close([("c1", None)])  # a redelivered final status
    await repository.close([("unknown", None)])

    assert await repository.open_cases(["wurzen", "augustusburg"]) == {"wurzen": 3, "augustusburg": 0}
    await mongo.close()


@asynccontextmanager
async def counted_routes(
    infra: Infra, db_name: str, *, routed: int
) -> AsyncIterator[tuple[StoreCommands, MongoRouteRepository, Any]]:
    """A repository whose store commands are counted, with ``routed`` cases c0, c1, … open in
    ``wurzen``; the count starts after they are routed."""
    commands = StoreCommands()
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, event_listeners=[commands])
    repository = MongoRouteRepository(mongo[db_name], store_only_relay())
    await repository.create_indexes()
    await repository.insert_many([({"_id": f"c{n}", "pool_id": "wurzen"}, []) for n in range(routed)])
    assert await repository.open_cases(["wurzen"]) == {"wurzen": routed}
    commands.sent.clear()
    try:
        yield commands, repository, mongo[db_name]
    finally:
        await mongo.close()


async def test_a_final_status_that_names_its_pool_closes_the_case_without_reading_the_route(
    infra: Infra, mongo_db_name: str
) -> None:
    async with counted_routes(infra, mongo_db_name, routed=3) as (commands, repository, _):
        await repository.close([("c1", "wurzen")])
        await repository.close([("c1", "wurzen")])  # a redelivered final status
        assert not commands.of("find", "routes")
        await repository.close([("c2", None)])  # a status without a pool: the route says
        assert len(commands.of("find", "routes")) == 1
        assert await repository.open_cases(["wurzen"]) == {"wurzen": 1}


async def test_a_batch_of_final_statuses_is_closed_with_one_insert_and_each_case_counts_once(
    infra: Infra, mongo_db_name: str
) -> None:
    async with counted_routes(infra, mongo_db_name, routed=6) as (commands, repository, db):
        await repository.close([("c0", "wurzen")])
        commands.sent.clear()
        # c0 was closed before (a redelivery), c1 comes twice in the batch, "never" was not routed
        closings = [("c0", "wurzen"), ("c1", "wurzen"), ("c2", "wurzen"), ("c1", "wurzen"), ("never", None)]
        await repository.close(closings)

        assert len(commands.of("insert", "closed_routes")) == 1, "one insert for the batch's closings"
        assert await repository.open_cases(["wurzen"]) == {"wurzen": 3}
        assert sorted(d["_id"] for d in await db["open_routes"].find().to_list()) == ["c3", "c4", "c5"]


async def test_the_backlog_follows_own_writes_at_once_and_other_replicas_at_the_recount(
    infra: Infra, mongo_db_name: str
) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    repository = MongoRouteRepository(db, store_only_relay(), recount_seconds=1.5)
    other_replica = MongoRouteRepository(db, store_only_relay())
    await repository.create_indexes()
    await other_replica.insert_many([({"_id": "old", "pool_id": "wurzen"}, [])])
    pools = ["wurzen", "augustusburg"]
    assert await repository.open_cases(pools) == {"wurzen": 1, "augustusburg": 0}

    assert await repository.insert_many([({"_id": "c1", "pool_id": "augustusburg"}, [])]) == {"c1"}
    await repository.close([("old", None)])
    await other_replica.insert_many([({"_id": "elsewhere", "pool_id": "wurzen"}, [])])
    assert await repository.open_cases(pools) == {"wurzen": 0, "augustusburg": 1}, "own writes count at once"

    await asyncio.sleep(1.6)
    assert await repository.open_cases(pools) == {"wurzen": 0, "augustusburg": 1}, "the recount runs in the background"
    assert await eventually_counts(repository, pools, {"wurzen": 1, "augustusburg": 1}), "the recount sees the other"
    await mongo.close()


async def eventually_counts(repository: MongoRouteRepository, pools: list[str], expected: dict[str, int]) -> bool:
    for _ in range(100):
        if await repository.open_cases(pools) == expected:
            return True
        await asyncio.sleep(0.05)
    return False


class HeldCount(MongoRouteRepository):
    """A store whose grouped counts the test holds back, as FerretDB's full scans take seconds at
    many routes."""

    hold: asyncio.Event | None = None

    async def _count(self, pools: set[str]) -> dict[str, int]:
        if self.hold is not None:
            await self.hold.wait()
        return await super()._count(pools)


async def test_routing_goes_on_during_a_recount_and_its_writes_are_not_lost(infra: Infra, mongo_db_name: str) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    repository = HeldCount(mongo[mongo_db_name], store_only_relay(), recount_seconds=0.5)
    await repository.create_indexes()
    pools = ["wurzen", "augustusburg"]
    await repository.open_cases(pools)  # the first count
    repository.hold = asyncio.Event()
    await asyncio.sleep(0.6)
    await repository.open_cases(pools)  # stale: a recount starts in the background and is held

    async with asyncio.timeout(30):  # a recount holding the lock would block here for good
        assert await repository.insert_many([({"_id": "during", "pool_id": "wurzen"}, [])]) == {"during"}
        assert await repository.open_cases(pools) == {"wurzen": 1, "augustusburg": 0}
    repository.hold.set()
    # The scan saw the write and the recount adds it as its own: one too many, until the next recount.
    assert await eventually_counts(repository, pools, {"wurzen": 2, "augustusburg": 0})
    repository.hold = None
    await asyncio.sleep(0.6)
    assert await eventually_counts(repository, pools, {"wurzen": 1, "augustusburg": 0})
    await mongo.close()


async def test_concurrent_routings_and_closings_keep_the_backlog_exact(infra: Infra, mongo_db_name: str) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    repository = MongoRouteRepository(mongo[mongo_db_name], store_only_relay())
    await repository.create_indexes()
    pools = ["wurzen", "augustusburg"]
    assert await repository.open_cases(pools) == {"wurzen": 0, "augustusburg": 0}

    await asyncio.gather(
        *(repository.insert_many([({"_id": f"c{n}", "pool_id": pools[n % 2]}, [])]) for n in range(0, 20, 2)),
        repository.insert_many([({"_id": f"c{n}", "pool_id": pools[n % 2]}, []) for n in range(1, 20, 2)]),
    )
    await asyncio.gather(
        *(repository.close([(f"c{n}", None)]) for n in range(0, 20, 3)),
        *(repository.close([(f"c{n}", None)]) for n in range(0, 20, 3)),  # redelivered
        repository.insert_many([({"_id": f"c{n}", "pool_id": "wurzen"}, []) for n in range(5)]),  # routed before
    )

    in_memory = await repository.open_cases(pools)
    from_store = await MongoRouteRepository(mongo[mongo_db_name], store_only_relay()).open_cases(pools)
    await mongo.close()
    assert in_memory == from_store == {"wurzen": 6, "augustusburg": 7}


def _event_content(entry: dict[str, Any]) -> dict[str, Any]:
    """An outbox entry's topic, key and event without what differs from run to run (id, send time)."""
    event = json.loads(entry["value"])
    return {"topic": entry["topic"], "key": entry["key"], **{k: v for k, v in event.items() if k not in {"id", "time"}}}


async def test_a_batch_is_routed_as_one_case_after_the_other_would_be(infra: Infra, mongo_db_name: str) -> None:
    """Within a batch each decision sees the backlog the cases before it left: a burst spreads; and
    each route, deadlines and audit record included, and each event it sends are the ones routing
    the case alone stores and sends."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    municipalities = load_municipalities()
    services = (ServiceId.TRADE_REGISTRATION, ServiceId.EINVOICE)  # einvoice has a legal deadline too
    cases = [submitted_event(f"c{n}", ("14729410", "14522020")[n % 3 == 0], services[n % 2]) for n in range(12)]
    cases.insert(5, submitted_event("c-leipzig", "14713000"))  # a town without pools: rejected
    placed, sent = [], []
    for name, batches in (("batch", [cases]), ("single", [[case] for case in cases])):
        db = mongo[f"{mongo_db_name}-{name}"]
        await db["routes"].insert_many([{"_id": f"old-{i}", "pool_id": "wurzen"} for i in range(3)])
        repository = MongoRouteRepository(db, store_only_relay())
        await repository.mark_open_routes()  # routes from before the markers
        route = RouteCase(
            repository,
            ActiveConfig(load_routing_config(PILOT_CONFIG, municipalities)),
            municipalities,
            Topics("t"),
            lambda: datetime(2026, 12, 7, 9, tzinfo=UTC),
            chunk=5,  # the batch of 12 is written in three chunks while the next is decided
        )
        for batch in batches:
            await route(batch)
        stored = await db["routes"].find({"_id": {"$regex": "^c"}}).to_list()
        placed.append({doc["_id"]: {k: v for k, v in doc.items() if not k.startswith("outbox")} for doc in stored})
        sent.append({doc["_id"]: [_event_content(entry) for entry in unpacked_outbox(doc["outbox"])] for doc in stored})
    await mongo.close()

    in_batch, one_by_one = placed
    assert len(in_batch) == 13
    assert in_batch == one_by_one
    assert sent[0] == sent[1]
    assert [entry["type"] for entry in sent[0]["c0"]] == [
        "de.ikdz.case.submitted.v1",
        "de.ikdz.case.routed.v1",
        "de.ikdz.case.status.v1",
    ]
    assert [(entry["type"], entry["data"]["state"]) for entry in sent[0]["c-leipzig"]] == [
        ("de.ikdz.case.status.v1", "rejected")
    ]
    assert in_batch.pop("c-leipzig")["pool_id"] is None
    assert {route["pool_id"] for route in in_batch.values()} == {"wurzen", "augustusburg"}, "the burst is spread"
    assert all(route["target_date"] and route["deadline_check_day"] for route in in_batch.values())
    assert {route["legal_date"] is None for route in in_batch.values()} == {True, False}
