"""Pure rules of intake: file numbers, fingerprints, access tokens, status order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ikdz_contracts.events import CaseState
from ikdz_contracts.events.case import file_number
from ikdz_contracts.services import ServiceId
from ikdz_intake.domain.case import (
    StatusEntry,
    access_token,
    current_state,
    fingerprint,
    ordered,
    token_matches,
)


@pytest.mark.parametrize(
    ("town", "service", "year", "sequence", "expected"),
    [
        ("WUR", ServiceId.TRADE_REGISTRATION, 2026, 123, "WUR-GEW-2026-000123"),
        ("AUG", ServiceId.EINVOICE, 2027, 1, "AUG-ERE-2027-000001"),
        ("DRES", ServiceId.TRAFFIC_ORDERS, 2026, 999_999, "DRES-VRA-2026-999999"),
    ],
)
def test_file_number_format(town: str, service: ServiceId, year: int, sequence: int, expected: str) -> None:
    assert file_number(town, service, year, sequence) == expected


@pytest.mark.parametrize("sequence", [0, -1, 1_000_000])
def test_file_number_refuses_sequences_out_of_range(sequence: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        file_number("WUR", ServiceId.EINVOICE, 2026, sequence)


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": {"c": [1, 2]}}) == fingerprint({"b": {"c": [1, 2]}, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert fingerprint({"a": [1, 2]}) != fingerprint({"a": [2, 1]})


@given(st.text(min_size=1, max_size=40))
def test_access_token_verifies_only_for_its_case(case_id: str) -> None:
    token = access_token(b"secret-secret-secret", case_id)
    assert token_matches(b"secret-secret-secret", case_id, token)
    assert not token_matches(b"secret-secret-secret", case_id + "x", token)
    assert not token_matches(b"other-secret-secret!", case_id, token)


def test_status_history_is_ordered_by_occurrence_not_arrival() -> None:
    t0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    late = StatusEntry(state=CaseState.IN_PROGRESS, label_de="In Bearbeitung", occurred_at=t0 + timedelta(seconds=2))
    early = StatusEntry(state=CaseState.ROUTED, label_de="Weitergeleitet", occurred_at=t0 + timedelta(seconds=1))
    assert [e.state for e in ordered([late, early])] == [CaseState.ROUTED, CaseState.IN_PROGRESS]
    assert current_state([late, early]) == CaseState.IN_PROGRESS
    assert current_state([]) == CaseState.RECEIVED
