"""Loading the routing configuration: the pilot file, and clear errors naming file and field."""

from __future__ import annotations

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
