"""The outbox's batch path on the real store and broker: one insert for many documents, events of
exactly what was inserted, settled per batch, and nothing lost when a relay dies or a send fails."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from ikdz_contracts.cloudevents import decode
from ikdz_contracts.events import CaseStatus
from ikdz_platform import inbox
from ikdz_platform.outbox import COMPRESS_FROM_BYTES, OutboxRelay, outbox_entry, packed_outbox, unpacked_outbox
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.store_commands import StoreCommands
from ikdz_platform.testing.topics import TopicReader
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect, BulkWriteError

from .events import messages_of, status_event
from .topics import case_status_topic

pytestmark = pytest.mark.infra


@pytest.fixture
async def topic(infra: Infra, topic_prefix: str) -> str:
    return await case_status_topic(infra, topic_prefix, partitions=3)


class RecordingSender:
    """Records what it sent; fails the first ``failures`` sends, as a broker outage would."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[OutgoingMessage] = []

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker unavailable")
        self.sent.extend(messages)


def _item(topic: str, case_id: str, *messages: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return {"_id": case_id, "x": case_id}, [outbox_entry(topic, status_event(case_id, m)) for m in messages]


def _sent_messages(sender: RecordingSender) -> list[tuple[bytes | None, str | None]]:
    return [(m.key, decode(m.value, CaseStatus).data.message_de) for m in sender.sent]


async def test_a_batch_is_published_in_order_and_settled_by_deleting_its_record(
    infra: Infra, db: Any, producer: EventProducer, topic: str
) -> None:
    cases = db["cases"]
    relay = OutboxRelay([], producer, poll_seconds=30)
    writer = relay.batch_writer(cases)
    relay.start()
    try:
        inserted = await writer.insert_many([_item(topic, f"b{n}", f"{n}-first", f"{n}-second") for n in range(50)])
        async with TopicReader(infra.kafka_bootstrap_servers, topic) as reader:
            records = await reader.wait_for(lambda r: len(r) >= 100, timeout=10)
    finally:
        await relay.stop()

    assert inserted == {f"b{n}" for n in range(50)}
    for n in range(50):  # the order of one case's events is kept (one key, one partition)
        assert [m for r, m in zip(records, messages_of(records), strict=True) if r.key == f"b{n}".encode()] == [
            f"{n}-first",
            f"{n}-second",
        ]
    assert await cases.count_documents({}) == 50
    assert await db["cases_outbox_batches"].count_documents({}) == 0, "the batch is settled"
    assert await cases.count_documents({"outbox_pending": True}) == 0, "the per-document scan never sees them"


async def test_documents_stored_before_are_skipped_with_their_events(db: Any, topic: str) -> None:
    cases = db["cases"]
    sender = RecordingSender()
    relay = OutboxRelay([], sender)
    writer = relay.batch_writer(cases)
    assert await writer.insert_many([_item(topic, "d1", "original")]) == {"d1"}

    again = await writer.insert_many([_item(topic, "d1", "redelivered"), _item(topic, "d2", "new")])
    await relay.run_once()

    assert again == {"d2"}
    assert sorted(_sent_messages(sender)) == [(b"d1", "original"), (b"d2", "new")]
    [stored] = unpacked_outbox((await cases.find_one({"_id": "d1"}))["outbox"])
    assert decode(stored["value"], CaseStatus).data.message_de == "original", "the first copy is kept"
    assert await writer.insert_many([]) == set()


async def test_a_document_twice_in_one_batch_is_stored_and_sent_once(db: Any, topic: str) -> None:
    cases = db["cases"]
    sender = RecordingSender()
    relay = OutboxRelay([], sender)
    writer = relay.batch_writer(cases)

    stored = await writer.insert_many([_item(topic, "h1", "first copy"), _item(topic, "h1", "second copy")])
    await relay.run_once()

    assert stored == {"h1"}
    assert _sent_messages(sender) == [(b"h1", "first copy")]


class HangingSender:
    """A broker connection that never answers: the relay holding the batch is as good as dead."""

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:  # noqa: ARG002
        await asyncio.Event().wait()


async def test_a_dead_relays_batch_is_sent_by_another_relay_once_its_lease_ran_out(db: Any, topic: str) -> None:
    cases = db["cases"]
    dead = OutboxRelay([], HangingSender(), lease_seconds=0.5, poll_seconds=60)
    dead.start()
    try:
        await dead.batch_writer(cases).insert_many([_item(topic, "e1", "orphaned"), _item(topic, "e2", "orphaned too")])
        sender = RecordingSender()
        live = OutboxRelay([], sender, lease_seconds=60)
        live.batch_writer(cases)

        assert await live.run_once() == 0, "a live lease must be respected"
        await asyncio.sleep(0.6)
        assert await live.run_once() == 2
    finally:
        await dead.stop()
    assert sorted(_sent_messages(sender)) == [(b"e1", "orphaned"), (b"e2", "orphaned too")]
    assert await live.run_once() == 0, "settled: sent once"


async def test_a_replica_without_a_relay_hands_its_batch_to_a_running_relay_at_once(db: Any, topic: str) -> None:
    cases = db["cases"]
    writer_only = OutboxRelay([], RecordingSender(), lease_seconds=60)  # IKDZ_OUTBOX_RELAY_ENABLED=false
    await writer_only.batch_writer(cases).insert_many([_item(topic, "g1", "elsewhere")])
    sender = RecordingSender()
    running = OutboxRelay([], sender, lease_seconds=60)
    running.batch_writer(cases)

    assert await running.run_once() == 1, "no wait for the writer's 60 s lease"
    assert _sent_messages(sender) == [(b"g1", "elsewhere")]


async def test_a_failed_send_gives_the_batch_back_for_the_next_scan(db: Any, topic: str) -> None:
    cases = db["cases"]
    sender = RecordingSender(failures=1)
    relay = OutboxRelay([], sender, lease_seconds=60)
    writer = relay.batch_writer(cases)
    await writer.insert_many([_item(topic, "f1", "retry me")])

    with pytest.raises(ConnectionError):
        await relay.run_once()
    record = await db["cases_outbox_batches"].find_one({})
    assert record is not None and record["lease"] < time.time(), "released at once, not after 60 s"
    assert await relay.run_once() == 1
    assert _sent_messages(sender) == [(b"f1", "retry me")]
    assert await db["cases_outbox_batches"].count_documents({}) == 0


async def test_each_item_says_whether_it_was_inserted_or_which_duplicate_refused_it(db: Any, topic: str) -> None:
    cases = db["cases"]
    await cases.create_index("number", unique=True, name="number_unique")
    sender = RecordingSender()
    relay = OutboxRelay([], sender)
    writer = relay.batch_writer(cases)
    await writer.insert_many([({"_id": "k1", "number": 1}, [outbox_entry(topic, status_event("k1", "first"))])])

    outcomes = await writer.insert_each(
        [
            ({"_id": "k2", "number": 2}, [outbox_entry(topic, status_event("k2", "new"))]),
            ({"_id": "k1", "number": 3}, [outbox_entry(topic, status_event("k1", "same id"))]),
            ({"_id": "k3", "number": 1}, [outbox_entry(topic, status_event("k3", "same number"))]),
            ({"_id": "k4", "number": 2}, [outbox_entry(topic, status_event("k4", "number of k2"))]),
        ]
    )
    await relay.run_once()

    inserted, same_id, same_number, same_batch = outcomes
    assert inserted is None
    for duplicate in (same_id, same_number, same_batch):
        assert duplicate is not None and "duplicate key" in duplicate.message
    # MongoDB names the index's field, FerretDB v1 does not.
    assert same_number is not None and same_number.field in {"number", None}
    assert sorted(_sent_messages(sender)) == [(b"k1", "first"), (b"k2", "new")], "no events of refused documents"
    assert sorted(doc["_id"] for doc in await cases.find({}, projection={"_id": 1}).to_list()) == ["k1", "k2"]


async def test_a_write_error_other_than_a_duplicate_raises_and_leaves_nothing_of_the_batch(db: Any, topic: str) -> None:
    cases = db["cases"]
    sender = RecordingSender()
    relay = OutboxRelay([], sender, lease_seconds=60)
    writer = relay.batch_writer(cases)
    await writer.insert_many([_item(topic, "w0", "stored before")])

    with pytest.raises(BulkWriteError) as refused:
        await writer.insert_each(
            [
                _item(topic, "w1", "fine"),
                ({"_id": ["no", "arrays"]}, [outbox_entry(topic, status_event("w2", "refused"))]),
                _item(topic, "w0", "duplicate"),
            ]
        )

    assert [e["index"] for e in refused.value.details["writeErrors"] if e["code"] != 11000] == [1]
    assert await cases.count_documents({"_id": "w1"}) == 0, "what was inserted is taken back"
    record = await db["cases_outbox_batches"].find_one({"_id": {"$ne": None}})
    assert record is not None and record["lease"] < time.time(), "the record is left to the next scan at once"
    await relay.run_once()
    assert _sent_messages(sender) == [(b"w0", "stored before")]
    assert await db["cases_outbox_batches"].count_documents({}) == 0


async def test_windows_sent_close_together_are_settled_with_one_delete(
    infra: Infra, mongo_db_name: str, topic: str
) -> None:
    commands = StoreCommands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, event_listeners=[commands])
    db = client[mongo_db_name]
    sender = RecordingSender()
    # A window per batch: five records, sent close together.
    relay = OutboxRelay([], sender, poll_seconds=30, settle_delay_seconds=0.5, window_seconds=0)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    try:
        for n in range(5):
            await writer.insert_many([_item(topic, f"s{n}", f"{n}")])
        deadline = time.monotonic() + 10
        while len(sender.sent) < 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert len(sender.sent) == 5
        assert await db["cases_outbox_batches"].count_documents({}) == 5, "settling waits for the others"
        while await db["cases_outbox_batches"].count_documents({}) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert await db["cases_outbox_batches"].count_documents({}) == 0
        assert [c.collection for c in commands.of("delete")] == ["cases_outbox_batches"], "one delete for five windows"
    finally:
        await relay.stop()
        await client.close()


async def test_a_relay_stopped_before_settling_deletes_its_records_on_the_way_out(db: Any, topic: str) -> None:
    sender = RecordingSender()
    relay = OutboxRelay([], sender, poll_seconds=30, settle_delay_seconds=60)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    await writer.insert_many([_item(topic, "late", "sent")])
    deadline = time.monotonic() + 10
    while not sender.sent and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert await db["cases_outbox_batches"].count_documents({}) == 1
    await relay.stop()
    assert await db["cases_outbox_batches"].count_documents({}) == 0
    assert len(sender.sent) == 1


class SlowSender(RecordingSender):
    """Takes a while to have its sends acknowledged, as a loaded broker does."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.sending = asyncio.Event()

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        self.sending.set()
        await asyncio.sleep(self.seconds)
        await super().send_all(messages)


async def test_a_relay_stopped_while_sending_finishes_the_send_and_settles(db: Any, topic: str) -> None:
    sender = SlowSender(seconds=0.3)
    relay = OutboxRelay([], sender, poll_seconds=30)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    await writer.insert_many([_item(topic, "inflight", "sent")])
    await asyncio.wait_for(sender.sending.wait(), timeout=10)
    await writer.insert_many([_item(topic, "handed-over", "sent too")])  # handed over while the first send runs

    await relay.stop()

    assert sorted(key for key, _ in _sent_messages(sender)) == [b"handed-over", b"inflight"]
    assert await db["cases_outbox_batches"].count_documents({}) == 0, "both batches are settled, none waits for a lease"


async def test_the_published_counter_counts_every_event_under_its_topic(db: Any, topic: str) -> None:
    def published() -> float:
        return REGISTRY.get_sample_value("ikdz_outbox_published_total", {"topic": topic}) or 0.0

    before = published()
    relay = OutboxRelay([], RecordingSender())
    await relay.batch_writer(db["cases"]).insert_many([_item(topic, f"m{n}", "first", "second") for n in range(3)])
    await relay.run_once()

    assert published() - before == 6


async def test_entries_are_stored_as_one_text_and_entries_of_older_versions_are_still_sent(db: Any, topic: str) -> None:
    cases = db["cases"]
    sender = RecordingSender()
    relay = OutboxRelay([], sender)
    new, entries = _item(topic, "new", "as text", "and another")
    await relay.batch_writer(cases).insert_many([(new, entries)])
    stored = (await cases.find_one({"_id": "new"}))["outbox"]
    assert isinstance(stored, str) and unpacked_outbox(stored) == entries
    older = {**_item(topic, "old", "as binary")[1][0], "id": "e-old", "headers": {"content-type": b"x"}}
    older["value"] = older["value"].encode()
    await cases.insert_one({"_id": "old", "outbox": [older], "outbox_pending": True})

    await relay.run_once()

    assert sorted(_sent_messages(sender)) == [(b"new", "and another"), (b"new", "as text"), (b"old", "as binary")]


async def test_a_long_outbox_is_stored_compressed_and_sent_from_there_when_its_batch_is_taken_over(
    db: Any, topic: str
) -> None:
    cases = db["cases"]
    long_messages = [f"Mitteilung {n}: " + "Gewerbeanzeige an die zuständigen Stellen. " * 20 for n in range(4)]
    dead = OutboxRelay([], HangingSender(), lease_seconds=0.3, poll_seconds=60)
    dead.start()
    try:
        await dead.batch_writer(cases).insert_many(
            [_item(topic, "long", *long_messages), _item(topic, "short", "kurz")]
        )
        stored = {doc["_id"]: doc["outbox"] for doc in await cases.find({}).to_list()}
        assert isinstance(stored["long"], bytes), "long: compressed"
        assert len(stored["long"]) < sum(len(m) for m in long_messages) / 4
        assert isinstance(stored["short"], str), "short: as text"
        await asyncio.sleep(0.4)
        sender = RecordingSender()
        live = OutboxRelay([], sender, lease_seconds=60)
        live.batch_writer(cases)
        assert await live.run_once() == 5
    finally:
        await dead.stop()
    assert _sent_messages(sender) == [*((b"long", m) for m in long_messages), (b"short", "kurz")]


async def test_a_batch_of_an_older_version_with_its_entries_as_documents_is_taken_over(db: Any, topic: str) -> None:
    cases = db["cases"]
    await db["cases_outbox_batches"].insert_one({"_id": "b-old", "lease": 0.0, "owner": "gone"})
    doc, entries = _item(topic, "listed", "stored as a list")
    await cases.insert_one({**doc, "outbox": entries, "outbox_pending": False, "outbox_batch": "b-old"})
    sender = RecordingSender()
    relay = OutboxRelay([], sender)
    relay.batch_writer(cases)

    assert await relay.run_once() == 1
    assert _sent_messages(sender) == [(b"listed", "stored as a list")]


def test_an_outbox_is_packed_only_when_every_entry_fits_the_text_form() -> None:
    entries = [outbox_entry("t.case.status.v1", status_event(f"c{n}", f"message {n}")) for n in range(3)]
    packed = packed_outbox(entries)
    assert isinstance(packed, str) and unpacked_outbox(packed) == entries
    unfit = [
        [],
        [*entries, {**entries[0], "key": "case\nwith a line break"}],
        [{**entries[0], "value": entries[0]["value"].encode()}],
        [{**entries[0], "headers": {}}],
    ]
    for outbox in unfit:
        assert packed_outbox(outbox) == outbox
        assert unpacked_outbox(packed_outbox(outbox)) == outbox


def test_an_outbox_is_compressed_from_two_kib_of_text() -> None:
    def entries(length: int) -> list[dict[str, Any]]:
        entry = outbox_entry("t.case.status.v1", status_event("c1", "x"))
        filler = length - len("\n".join((entry["topic"], entry["key"], entry["value"])))
        return [outbox_entry("t.case.status.v1", status_event("c1", "x" * (1 + filler)))]

    below, at = entries(COMPRESS_FROM_BYTES - 1), entries(COMPRESS_FROM_BYTES)
    assert isinstance(packed_outbox(below), str)
    assert isinstance(packed_outbox(at), bytes)
    assert unpacked_outbox(packed_outbox(at)) == at


@pytest.fixture
async def counted(infra: Infra, mongo_db_name: str) -> AsyncIterator[tuple[Any, StoreCommands]]:
    """A database whose client counts the commands it sends."""
    commands = StoreCommands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, event_listeners=[commands])
    yield client[mongo_db_name], commands
    await client.close()


async def _wait_until(condition: Callable[[], Awaitable[bool]], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def _record_inserts(commands: StoreCommands) -> int:
    return len(commands.of("insert", "cases_outbox_batches"))


async def test_the_batches_of_a_window_share_one_record_deleted_once_the_window_closed_and_all_is_sent(
    counted: tuple[Any, StoreCommands], topic: str
) -> None:
    db, commands = counted
    sender = RecordingSender()
    relay = OutboxRelay([], sender, poll_seconds=30, window_seconds=1.0, settle_delay_seconds=0.05)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    try:
        opened = time.monotonic()
        for n in range(10):
            await writer.insert_many([_item(topic, f"w{n}", f"{n}")])
        await _wait_until(lambda: _true(len(sender.sent) == 10))
        assert time.monotonic() - opened < 0.9, "the machine is too slow for this test's window"
        assert _record_inserts(commands) == 1, "one record for ten batches"
        assert await db["cases_outbox_batches"].count_documents({}) == 1, "kept while the window is open"
        assert await db["cases"].count_documents({"outbox_batch": {"$ne": None}}) == 10
        await _wait_until(lambda: _none_left(db))
        assert time.monotonic() - opened >= 1.0, "deleted once the window closed, without another writer"
    finally:
        await relay.stop()
    assert sorted(_sent_messages(sender)) == [(f"w{n}".encode(), f"{n}") for n in range(10)]


async def _true(value: bool) -> bool:
    return value


async def _none_left(db: Any) -> bool:
    return await db["cases_outbox_batches"].count_documents({}) == 0


async def test_a_writer_after_the_window_opens_a_new_one(counted: tuple[Any, StoreCommands], topic: str) -> None:
    db, commands = counted
    sender = RecordingSender()
    relay = OutboxRelay([], sender, poll_seconds=30, window_seconds=0.3, settle_delay_seconds=0.05)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    try:
        await writer.insert_many([_item(topic, "n1", "first window")])
        await asyncio.sleep(0.35)
        await writer.insert_many([_item(topic, "n2", "second window")])
        windows = {doc["outbox_batch"] for doc in await db["cases"].find({}).to_list()}
        await _wait_until(lambda: _none_left(db))
    finally:
        await relay.stop()
    assert _record_inserts(commands) == len(windows) == 2
    assert sorted(_sent_messages(sender)) == [(b"n1", "first window"), (b"n2", "second window")]


async def test_a_window_lasts_at_most_half_the_lease(counted: tuple[Any, StoreCommands], topic: str) -> None:
    db, commands = counted
    relay = OutboxRelay([], RecordingSender(), poll_seconds=30, window_seconds=60, lease_seconds=0.4)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    try:
        await writer.insert_many([_item(topic, "l1", "one")])
        await asyncio.sleep(0.25)
        await writer.insert_many([_item(topic, "l2", "two")])
    finally:
        await relay.stop()
    assert _record_inserts(commands) == 2, "no batch joins a window whose lease is half gone"


async def test_concurrent_writers_share_one_window_opening(counted: tuple[Any, StoreCommands], topic: str) -> None:
    db, commands = counted
    sender = RecordingSender()
    relay = OutboxRelay([], sender, poll_seconds=30)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    try:
        await asyncio.gather(*(writer.insert_many([_item(topic, f"c{n}", f"{n}")]) for n in range(10)))
        await _wait_until(lambda: _true(len(sender.sent) == 10))
    finally:
        await relay.stop()
    assert _record_inserts(commands) == 1
    assert await _none_left(db), "deleted at stop"


async def test_a_failed_send_releases_the_window_and_a_scan_sends_every_document_of_it(db: Any, topic: str) -> None:
    class FailsSecondSend(RecordingSender):
        sends = 0

        async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
            self.sends += 1
            if self.sends == 2:
                raise ConnectionError("broker unavailable")
            await super().send_all(messages)

    sender = FailsSecondSend()
    relay = OutboxRelay([], sender, poll_seconds=30, lease_seconds=60)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    try:
        await writer.insert_many([_item(topic, "a1", "sent")])
        await _wait_until(lambda: _true(sender.sends == 1))
        await writer.insert_many([_item(topic, "b1", "failed")])
        await _wait_until(lambda: _true(sender.sends == 2))
        await _wait_until(lambda: _released(db))
        await writer.insert_many([_item(topic, "c1", "next window")])
        await _wait_until(lambda: _true(sender.sends == 3))
        assert await db["cases_outbox_batches"].count_documents({}) == 2, "a new window after the failure"

        other_sender = RecordingSender()
        other = OutboxRelay([], other_sender, lease_seconds=60)
        other.batch_writer(db["cases"])
        assert await other.run_once() == 2
    finally:
        await relay.stop()
    assert sorted(_sent_messages(other_sender)) == [(b"a1", "sent"), (b"b1", "failed")], "the whole window again"
    assert sorted(_sent_messages(sender)) == [(b"a1", "sent"), (b"c1", "next window")]
    assert await _none_left(db)


async def _released(db: Any) -> bool:
    return await db["cases_outbox_batches"].count_documents({"lease": {"$lt": time.time()}}) == 1


async def test_a_failed_insert_takes_back_only_its_own_documents_and_releases_the_window(db: Any, topic: str) -> None:
    sender = RecordingSender()
    relay = OutboxRelay([], sender, poll_seconds=30, lease_seconds=60)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    try:
        await writer.insert_many([_item(topic, "o1", "other batch"), _item(topic, "o2", "other batch too")])
        with pytest.raises(BulkWriteError):
            await writer.insert_each(
                [
                    _item(topic, "f1", "taken back"),
                    ({"_id": ["no", "arrays"]}, [outbox_entry(topic, status_event("f2", "refused"))]),
                    _item(topic, "o1", "duplicate of the other batch"),
                ]
            )
        assert await db["cases"].count_documents({"_id": "f1"}) == 0, "nothing of the failed batch is stored"
        assert await db["cases"].count_documents({"_id": {"$in": ["o1", "o2"]}}) == 2, "the other batch's stay"
        await _wait_until(lambda: _released(db))

        other_sender = RecordingSender()
        other = OutboxRelay([], other_sender, lease_seconds=60)
        other.batch_writer(db["cases"])
        assert await other.run_once() == 2
    finally:
        await relay.stop()
    assert sorted(_sent_messages(other_sender)) == [(b"o1", "other batch"), (b"o2", "other batch too")]
    assert sorted(_sent_messages(sender)) == [(b"o1", "other batch"), (b"o2", "other batch too")]
    assert await _none_left(db)


async def test_an_insert_failing_without_saying_what_was_stored_spares_the_documents_of_other_batches(
    db: Any, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender()
    relay = OutboxRelay([], sender, poll_seconds=30, lease_seconds=60)
    writer = relay.batch_writer(db["cases"])
    relay.start()
    try:
        await writer.insert_many([_item(topic, "s1", "stored before")])

        async def stored_but_answer_lost(collection: Any, documents: list[dict[str, Any]]) -> Any:
            await inbox.insert_each(collection, documents)
            raise AutoReconnect("connection closed")

        monkeypatch.setattr("ikdz_platform.outbox.insert_each", stored_but_answer_lost)
        with pytest.raises(AutoReconnect):
            await writer.insert_each([_item(topic, "s1", "redelivered"), _item(topic, "s2", "taken back")])

        stored = await db["cases"].find({}).to_list()
        assert [doc["_id"] for doc in stored] == ["s1"], "the other batch's copy stays, this batch's own is gone"
        assert decode(unpacked_outbox(stored[0]["outbox"])[0]["value"], CaseStatus).data.message_de == "stored before"
        await _wait_until(lambda: _released(db))
    finally:
        await relay.stop()


async def test_a_relay_that_does_not_run_releases_the_window_its_concurrent_batches_share(
    counted: tuple[Any, StoreCommands], topic: str
) -> None:
    db, commands = counted
    writer_only = OutboxRelay([], RecordingSender(), lease_seconds=60)  # IKDZ_OUTBOX_RELAY_ENABLED=false
    writer = writer_only.batch_writer(db["cases"])
    await asyncio.gather(*(writer.insert_many([_item(topic, f"r{n}", f"{n}")]) for n in range(3)))

    assert _record_inserts(commands) == 1
    assert await _released(db), "released at once, no wait for the 60 s lease"
    sender = RecordingSender()
    running = OutboxRelay([], sender, lease_seconds=60)
    running.batch_writer(db["cases"])
    assert await running.run_once() == 3
    assert await _none_left(db)


async def test_the_window_of_a_relay_that_died_while_sending_is_taken_over_once_its_lease_ran_out(
    counted: tuple[Any, StoreCommands], topic: str
) -> None:
    db, commands = counted
    dead = OutboxRelay([], HangingSender(), lease_seconds=0.8, poll_seconds=60)
    writer = dead.batch_writer(db["cases"])
    dead.start()
    try:
        await writer.insert_many([_item(topic, "d1", "first batch")])
        await writer.insert_many([_item(topic, "d2", "second batch")])
        sender = RecordingSender()
        live = OutboxRelay([], sender, lease_seconds=60)
        live.batch_writer(db["cases"])

        assert await live.run_once() == 0, "a live lease must be respected"
        await asyncio.sleep(0.9)
        assert await live.run_once() == 2
    finally:
        await dead.stop(grace_seconds=0.1)
    assert _record_inserts(commands) == 1
    assert sorted(_sent_messages(sender)) == [(b"d1", "first batch"), (b"d2", "second batch")]
    assert await _none_left(db)
