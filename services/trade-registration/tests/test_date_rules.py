"""Properties of the date rules: the windows hold for every filing day and every offset."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from ikdz_contracts.payloads.gewerbe import (
    ChangeReason,
    DeregistrationCause,
    DeregistrationReason,
    NoticeKind,
)
from ikdz_contracts.payloads.gewerbe_rules import LATE_AFTER_DAYS, MAX_DAYS_AHEAD, MAX_YEARS_BACK, Severity, validate

from .builders import anmeldung, rule_context

filing_days = st.dates(min_value=date(2026, 1, 1), max_value=date(2040, 12, 31))
offsets = st.integers(min_value=-(MAX_YEARS_BACK * 366 + 30), max_value=400)
kinds = st.sampled_from(list(NoticeKind))
DATE_RULES = {"datum.zukunft", "datum.zu_alt", "datum.verspaetet"}


def notice(kind: NoticeKind, filed: date, effective: date):  # type: ignore[no-untyped-def]
    extra: dict[str, object] = {}
    if kind is NoticeKind.UMMELDUNG:
        extra = {"registration_reason": None, "change_reasons": frozenset({ChangeReason.NAMENSAENDERUNG})}
    if kind is NoticeKind.ABMELDUNG:
        extra = {
            "registration_reason": None,
            "deregistration_reason": DeregistrationReason.VOLLSTAENDIGE_AUFGABE,
            "deregistration_cause": DeregistrationCause.SONSTIGE,
        }
    return anmeldung(kind=kind, filed_on=filed, effective_date=effective, **extra)


@settings(deadline=None)
@given(kind=kinds, filed=filing_days, offset=offsets)
def test_date_rules_partition_the_timeline(kind: NoticeKind, filed: date, offset: int) -> None:
    effective = filed + timedelta(days=offset)
    found = {v.rule: v for v in validate(notice(kind, filed, effective), rule_context(filed)) if v.rule in DATE_RULES}
    assert ("datum.zukunft" in found) is (offset > MAX_DAYS_AHEAD)
    assert ("datum.verspaetet" in found) is (offset < -LATE_AFTER_DAYS)
    if offset >= -(MAX_YEARS_BACK * 365):
        assert "datum.zu_alt" not in found
    if offset < -(MAX_YEARS_BACK * 366 + 1):
        assert "datum.zu_alt" in found
    assert all(v.field == "effective_date" and v.message_de for v in found.values())
    assert {v.severity for r, v in found.items() if r != "datum.verspaetet"} <= {Severity.ERROR}


@settings(deadline=None)
@given(kind=kinds, filed=filing_days, offset=st.integers(min_value=-LATE_AFTER_DAYS, max_value=MAX_DAYS_AHEAD))
def test_inside_the_window_no_date_rule_fires(kind: NoticeKind, filed: date, offset: int) -> None:
    app = notice(kind, filed, filed + timedelta(days=offset))
    assert validate(app, rule_context(filed)) == []


@settings(deadline=None)
@given(filed=filing_days, offset=offsets)
def test_date_rules_are_deterministic(filed: date, offset: int) -> None:
    app = notice(NoticeKind.ANMELDUNG, filed, filed + timedelta(days=offset))
    assert validate(app, rule_context(filed)) == validate(app, rule_context(filed))


@settings(deadline=None)
@given(filed=filing_days, later=st.integers(min_value=1, max_value=30))
def test_a_filing_day_after_today_is_an_error(filed: date, later: int) -> None:
    app = notice(NoticeKind.ANMELDUNG, filed, filed)
    rules = {v.rule for v in validate(app, rule_context(filed - timedelta(days=later)))}
    assert "datum.meldung" in rules
