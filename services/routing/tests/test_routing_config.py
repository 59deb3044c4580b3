"""Loading the routing configuration: the pilot file, and clear errors naming file and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.errors import ConfigError

POOLS = """
version: "t"
pools:
  - {id: wurzen, processing_ags: "14729410", services: [einvoice], capacity_per_day: 10}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_pilot_configuration_loads() -> None:
    config = load_routing_config(PILOT_CONFIG, load_municipalities())
    assert {p.id for p in config.pools} == {"wurzen", "augustusburg"}
    assert len(config.agreements) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            POOLS
            + 'agreements:\n  - {reference: x, owner_ags: "14729410", processing_ags: "14999999", services: [einvoice], valid_from: 2026-01-01}\n',
            "agreements.0.processing_ags: unknown municipality 14999999",
        ),
        (POOLS.replace("14729410", "14000001"), "pools.0.processing_ags: unknown municipality 14000001"),
        (POOLS.replace("capacity_per_day: 10", "capacity_per_day: 0"), "pools.0.capacity_per_day"),
        (POOLS.replace("[einvoice]", "[hundesteuer]"), "pools.0.services"),
        ("version: t\npools: [unclosed\n", "cannot read routing configuration"),
        (
            POOLS + '  - {id: wurzen, processing_ags: "14522020", services: [einvoice], capacity_per_day: 1}\n',
            "duplicate pool ids: wurzen",
        ),
        (
            POOLS
            + 'agreements:\n  - {reference: x, owner_ags: "14729410", processing_ags: "14522020", services: [einvoice], valid_from: 2026-02-01, valid_to: 2026-01-01}\n',
            "valid_to lies before valid_from",
        ),
        ("version: t\n", "pools: Field required"),
    ],
)
def test_invalid_configuration_fails_at_load_naming_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_routing_config(path, load_municipalities())
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read routing configuration"):
        load_routing_config(tmp_path / "missing.yaml", load_municipalities())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            POOLS
            + 'agreements:\n  - {reference: x, owner_ags: "14522020", processing_ags: "14729410", pool_id: grimma, services: [einvoice], valid_from: 2026-01-01}\n',
            "agreements.0.pool_id: unknown pool grimma",
        ),
        (
            POOLS
            + 'agreements:\n  - {reference: x, owner_ags: "14729410", processing_ags: "14522020", pool_id: wurzen, services: [einvoice], valid_from: 2026-01-01}\n',
            "agreements.0.pool_id: pool wurzen belongs to 14729410, not to 14522020",
        ),
        (
            POOLS + 'town_calendars:\n  "14000001": {hours_per_day: 7}\n',
            "town_calendars.14000001: unknown municipality",
        ),
        (POOLS.replace("capacity_per_day: 10", "hours_per_case: 2"), "hours_per_case needs members"),
        (
            POOLS.replace("capacity_per_day: 10", "capacity_per_day: 10, hours_per_case: 2"),
            "either as capacity_per_day",
        ),
        (
            POOLS.replace("capacity_per_day: 10", "capacity_per_day: 10, skills: [sprengstoff]"),
            "",  # a pool without configured members may name skills
        ),
        (
            POOLS.replace(
                "capacity_per_day: 10",
                "capacity_per_day: 10, skills: [gaststaetten], members: [{staff_id: a, roles: [clerk]}]",
            ),
            "no member has the pool skills gaststaetten",
        ),
        (
            POOLS.replace(
                "capacity_per_day: 10",
                "capacity_per_day: 10, members: [{staff_id: a, roles: [clerk]}, {staff_id: a, roles: [approver]}]",
            ),
            "duplicate members: a",
        ),
        (
            POOLS.replace("capacity_per_day: 10", "capacity_per_day: 10, members: [{staff_id: a, roles: [chef]}]"),
            "pools.0.members.0.roles",
        ),
        (
            POOLS + "deadlines:\n  einvoice: {case_target_days: 10, case_legal_days: 5}\n",
            "case_legal_days must not be shorter than case_target_days",
        ),
    ],
)
def test_members_capacity_and_references_are_checked(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    if not expected:
        load_routing_config(path, load_municipalities())
        return
    with pytest.raises(ConfigError) as raised:
        load_routing_config(path, load_municipalities())
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


def test_capacity_in_working_hours_comes_from_the_members_and_the_calendar(tmp_path: Path) -> None:
    text = POOLS.replace(
        "capacity_per_day: 10",
        "hours_per_case: 2, calendar: {hours_per_day: 7.5},"
        " members: [{staff_id: a, roles: [clerk]}, {staff_id: b, roles: [clerk], hours_per_day: 4}]",
    )
    [pool] = load_routing_config(write(tmp_path, text), load_municipalities()).pools
    assert pool.daily_capacity == (7.5 + 4) / 2
    explicit = text.replace("hours_per_case: 2,", "hours_per_case: 2, capacity_hours_per_day: 30,")
    [pool] = load_routing_config(write(tmp_path, explicit), load_municipalities()).pools
    assert pool.daily_capacity == 15


def test_calendars_default_to_the_town_and_can_be_overridden(tmp_path: Path) -> None:
    crostwitz = (
        POOLS.replace("14729410", "14625080") + 'town_calendars:\n  "14729410": {extra_holidays: [2026-12-24]}\n'
    )
    config = load_routing_config(write(tmp_path, crostwitz), load_municipalities())
    assert config.pools[0].working_calendar.corpus_christi  # Fronleichnam at the Sorbian town's seat
    assert not config.calendar_of_town("14729410").is_working_day(date(2026, 12, 24))
    assert config.calendar_of_town("14522020").is_working_day(date(2026, 12, 23))
