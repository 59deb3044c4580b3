"""Topic names, work topics and the dead-letter convention."""

from __future__ import annotations

import pytest
from ikdz_contracts.events import ALL_EVENTS, CaseRouted, CaseStatus, CaseSubmitted, TaskCompleted, TaskRequested
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import DEFAULT_PREFIX, DlqHeader, Topics, dlq


def test_default_prefix_and_shared_topics() -> None:
    topics = Topics()

    assert DEFAULT_PREFIX == "ikdz."
    assert topics.shared() == [
        "ikdz.case.submitted.v1",
        "ikdz.case.routed.v1",
        "ikdz.case.status.v1",
        "ikdz.task.requested.v1",
        "ikdz.task.completed.v1",
        "ikdz.gewerbe.events.v1",
        "ikdz.gewerbe.recipients.v1",
        "ikdz.einvoice.events.v1",
        "ikdz.traffic.events.v1",
    ]


def test_prefix_is_applied_to_every_topic() -> None:
    topics = Topics("test-42.")

    assert all(name.startswith("test-42.") for name in topics.shared())
    assert topics.work(ServiceId.EINVOICE, "wurzen") == "test-42.work.einvoice.wurzen.v1"


@pytest.mark.parametrize(
    ("event_cls", "expected"),
    [
        (CaseSubmitted, "ikdz.case.submitted.v1"),
        (CaseRouted, "ikdz.case.routed.v1"),
        (CaseStatus, "ikdz.case.status.v1"),
        (TaskRequested, "ikdz.task.requested.v1"),
        (TaskCompleted, "ikdz.task.completed.v1"),
    ],
)
def test_each_event_has_its_topic(event_cls: type[CaseSubmitted], expected: str) -> None:
    assert Topics().of(event_cls) == expected
    assert expected in Topics().shared()


def test_every_event_topic_is_a_shared_topic() -> None:
    assert {Topics("x.").of(e) for e in ALL_EVENTS} <= set(Topics("x.").shared())


@pytest.mark.parametrize(
    ("service", "pool", "expected"),
    [
        (ServiceId.TRADE_REGISTRATION, "wurzen", "ikdz.work.trade-registration.wurzen.v1"),
        (ServiceId.EINVOICE, "lk-leipzig-1", "ikdz.work.einvoice.lk-leipzig-1.v1"),
        (ServiceId.TRAFFIC_ORDERS, "a1", "ikdz.work.traffic-orders.a1.v1"),
    ],
)
def test_work_topic(service: ServiceId, pool: str, expected: str) -> None:
    assert Topics().work(service, pool) == expected


@pytest.mark.parametrize(
    "pool",
    ["", "a", "Wurzen", "wurzen.pool", "-wurzen", "wurzen_1", "würzen", "a" * 64, "wurzen\n", "pool/1"],
)
def test_work_topic_rejects_invalid_pool_ids(pool: str) -> None:
    with pytest.raises(ValueError, match="invalid pool id"):
        Topics().work(ServiceId.TRADE_REGISTRATION, pool)


def test_dead_letter_topic_appends_dlq() -> None:
    assert dlq("ikdz.case.submitted.v1") == "ikdz.case.submitted.v1.dlq"
    assert dlq(Topics().work(ServiceId.EINVOICE, "wurzen")) == "ikdz.work.einvoice.wurzen.v1.dlq"


def test_dead_letter_headers_are_documented() -> None:
    assert {h.value for h in DlqHeader} == {
        "x-dlq-reason",
        "x-dlq-error-type",
        "x-dlq-original-topic",
        "x-dlq-original-partition",
        "x-dlq-original-offset",
        "x-dlq-attempts",
        "x-dlq-failed-at",
        "x-dlq-consumer-group",
    }
    assert all(h.description for h in DlqHeader)
