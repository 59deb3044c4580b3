"""Fees: the pilot configuration, validation at load, and properties (frame, determinism, periods)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ikdz_contracts.payloads.gewerbe import NoticeKind
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_trade_registration.adapters.fee_config import FEES_CONFIG, load_fee_config
from ikdz_trade_registration.domain.errors import ConfigError
from ikdz_trade_registration.domain.fees import (
    TARIFF_MAX,
    TARIFF_MIN,
    Fee,
    FeeConfig,
    FeeUnavailable,
    NoFee,
    fee_for,
)

from .builders import AUGUSTUSBURG, FEES, GRIMMA, WURZEN

days = st.dates(min_value=date(2026, 1, 1), max_value=date(2035, 12, 31))
kinds = st.sampled_from(list(NoticeKind))
amounts = st.decimals(min_value=TARIFF_MIN, max_value=TARIFF_MAX, places=2)


def raw_config() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(FEES_CONFIG.read_text(encoding="utf-8"))


def write(tmp_path: Path, raw: object) -> Path:
    path = tmp_path / "fees.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_pilot_configuration_loads_for_both_towns() -> None:
    config = load_fee_config(municipalities=load_municipalities())
    assert {t.ags for t in config.towns} == {WURZEN, AUGUSTUSBURG}


@pytest.mark.parametrize(
    ("ags", "kind", "expected"),
    [
        (WURZEN, NoticeKind.ANMELDUNG, "40,00 EUR"),
        (WURZEN, NoticeKind.UMMELDUNG, "30,00 EUR"),
        (WURZEN, NoticeKind.ABMELDUNG, "22,00 EUR"),
        (AUGUSTUSBURG, NoticeKind.ANMELDUNG, "35,00 EUR"),
        (AUGUSTUSBURG, NoticeKind.UMMELDUNG, "25,00 EUR"),
    ],
)
def test_pilot_amounts(ags: str, kind: NoticeKind, expected: str) -> None:
    fee = fee_for(FEES, ags, kind, date(2026, 11, 25))
    assert isinstance(fee, Fee)
    assert fee.amount_de == expected
    assert "Nr. 46 Tarifstelle 2" in fee.tariff
    assert fee.config_version == FEES.version


def test_augustusburg_does_not_charge_abmeldungen() -> None:
    fee = fee_for(FEES, AUGUSTUSBURG, NoticeKind.ABMELDUNG, date(2026, 11, 25))
    assert fee == NoFee(reason_de="Stadt Augustusburg erhebt für eine Gewerbeabmeldung keine Gebühr.")


def test_unknown_town_and_date_before_any_schedule_go_to_a_clerk() -> None:
    assert isinstance(fee_for(FEES, GRIMMA, NoticeKind.ANMELDUNG, date(2026, 11, 25)), FeeUnavailable)
    before = fee_for(FEES, WURZEN, NoticeKind.ANMELDUNG, date(2025, 12, 31))
    assert before == FeeUnavailable(
        reason_de="Für Stadt Wurzen gilt am 31.12.2025 keine konfigurierte Gebührenregelung."
    )
    assert isinstance(fee_for(None, WURZEN, NoticeKind.ANMELDUNG, date(2026, 11, 25)), FeeUnavailable)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda raw: raw["towns"][0]["schedules"][0]["amounts"].update(anmeldung="120.00"),
         "towns.0.schedules.0: Value error, amounts.anmeldung: 120.00 EUR lies outside SächsKVZ Nr. 46/2 (22.00–112.00 EUR)"),
        (lambda raw: raw["towns"][1]["schedules"][0]["amounts"].update(ummeldung="21.99"),
         "towns.1.schedules.0: Value error, amounts.ummeldung: 21.99 EUR lies outside"),
        (lambda raw: raw["towns"][0]["schedules"][0]["amounts"].pop("abmeldung"),
         "amounts for abmeldung missing (use null for 'not charged')"),
        (lambda raw: raw["towns"][0]["schedules"][0]["amounts"].update(anmeldung="40.005"),
         "towns.0.schedules.0.amounts.anmeldung: Decimal input should have no more than 2 decimal places"),
        (lambda raw: raw["towns"][0]["schedules"].append(dict(raw["towns"][0]["schedules"][0], valid_from="2026-06-01")),
         "towns.0: Value error, schedules valid from 2026-01-01 and 2026-06-01 overlap"),
        (lambda raw: raw["towns"].append(raw["towns"][0]), "(root): Value error, duplicate towns: 14729410"),
        (lambda raw: raw["towns"][0]["authority"].update(postal_code="4808"), "towns.0.authority.postal_code"),
        (lambda raw: raw["towns"][0].update(ags="1472941"), "towns.0.ags"),
        (lambda raw: raw["towns"][0].update(colour="blue"), "towns.0.colour: Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_invalid_configuration_names_file_and_field(tmp_path: Path, change, error: str) -> None:  # type: ignore[no-untyped-def]
    raw = raw_config()
    change(raw)
    path = write(tmp_path, raw)
    with pytest.raises(ConfigError) as caught:
        load_fee_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert error in str(caught.value)


def test_town_unknown_in_saxony_is_refused(tmp_path: Path) -> None:
    raw = raw_config()
    raw["towns"][0]["ags"] = "14999999"
    with pytest.raises(ConfigError, match=r"towns\.0\.ags: unknown municipality 14999999"):
        load_fee_config(write(tmp_path, raw), load_municipalities())


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read fee configuration"):
        load_fee_config(tmp_path / "missing.yaml")


@settings(deadline=None)
@given(ags=st.sampled_from([WURZEN, AUGUSTUSBURG]), kind=kinds, day=days)
def test_pilot_fees_stay_in_the_legal_frame_and_are_deterministic(ags: str, kind: NoticeKind, day: date) -> None:
    first = fee_for(FEES, ags, kind, day)
    assert first == fee_for(FEES, ags, kind, day)
    assert isinstance(first, Fee | NoFee)
    if isinstance(first, Fee):
        assert TARIFF_MIN <= first.amount <= TARIFF_MAX


@st.composite
def schedules(draw: st.DrawFn) -> list[dict]:  # type: ignore[type-arg]
    """Consecutive, non-overlapping periods with amounts in the frame (None = not charged)."""
    start = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)))
    result = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        length = draw(st.integers(min_value=1, max_value=800))
        end = start + timedelta(days=length)
        result.append(
            {
                "valid_from": start,
                "valid_to": end,
                "legal_source": "Satzung",
                "amounts": {k.value: draw(st.none() | amounts) for k in NoticeKind},
            }
        )
        start = end + timedelta(days=1)
    if draw(st.booleans()):
        result[-1]["valid_to"] = None
    return result


@settings(deadline=None)
@given(periods=schedules(), kind=kinds, day=st.dates(min_value=date(2019, 1, 1), max_value=date(2040, 1, 1)))
def test_fee_is_the_amount_of_the_one_period_covering_the_day(periods: list[dict], kind: NoticeKind, day: date) -> None:  # type: ignore[type-arg]
    authority = {"name": "Gewerbeamt", "street": "Markt 1", "postal_code": "04808", "city": "Wurzen"}
    config = FeeConfig.model_validate(
        {"version": "p", "towns": [{"ags": WURZEN, "name": "W", "authority": authority, "schedules": periods}]}
    )
    covering = [p for p in periods if p["valid_from"] <= day and (p["valid_to"] is None or day <= p["valid_to"])]
    assert len(covering) <= 1
    fee = fee_for(config, WURZEN, kind, day)
    if not covering:
        assert isinstance(fee, FeeUnavailable)
    elif covering[0]["amounts"][kind.value] is None:
        assert isinstance(fee, NoFee)
    else:
        assert isinstance(fee, Fee)
        assert fee.amount == covering[0]["amounts"][kind.value]
        assert TARIFF_MIN <= fee.amount <= TARIFF_MAX
        assert fee.schedule_valid_from == covering[0]["valid_from"]


@settings(deadline=None)
@given(amount=st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1000, max_value=1000))
def test_amounts_outside_the_frame_never_load(amount: Decimal) -> None:
    schedule = {"valid_from": date(2026, 1, 1), "legal_source": "S", "amounts": {k.value: amount for k in NoticeKind}}
    authority = {"name": "Gewerbeamt", "street": "Markt 1", "postal_code": "04808", "city": "Wurzen"}
    raw = {"version": "p", "towns": [{"ags": WURZEN, "name": "W", "authority": authority, "schedules": [schedule]}]}
    if TARIFF_MIN <= amount <= TARIFF_MAX:
        FeeConfig.model_validate(raw)
    else:
        with pytest.raises(ValueError, match="outside SächsKVZ"):
            FeeConfig.model_validate(raw)
