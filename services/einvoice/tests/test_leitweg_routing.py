"""Routing by Leitweg-ID: town by coarse part, department (and its pool) by fine-part prefix."""

from __future__ import annotations

from pathlib import Path

import pytest
from ikdz_einvoice.adapters.config_files import EinvoiceConfigError, load_leitweg_routing
from ikdz_einvoice.domain.leitweg import LeitwegId
from ikdz_einvoice.domain.routing import (
    InvoiceRoute,
    LeitwegRoutingTable,
    RoutingRejection,
    RoutingRejectionReason,
)
from pydantic import ValidationError

WURZEN, AUGUSTUSBURG = "14729410", "14522020"

TABLE = LeitwegRoutingTable.model_validate(
    {
        "version": "test",
        "towns": [
            {
                "ags": WURZEN,
                "name": "Wurzen",
                "coarse_parts": [WURZEN],
                "departments": [
                    {"fine_prefix": "", "department": "Kämmerei", "pool": "wurzen"},
                    {"fine_prefix": "BAU", "department": "Bauamt", "pool": "wurzen-bau"},
                    {"fine_prefix": "BAU7", "department": "Tiefbau", "pool": "wurzen-tiefbau"},
                ],
            },
            {
                "ags": AUGUSTUSBURG,
                "coarse_parts": [AUGUSTUSBURG],
                "departments": [{"fine_prefix": "K", "department": "Kämmerei", "pool": "augustusburg"}],
            },
        ],
    }
)


def route(coarse: str, fine: str | None = None) -> InvoiceRoute | RoutingRejection:
    return TABLE.route(str(LeitwegId.build(coarse, fine)))


@pytest.mark.parametrize(
    ("coarse", "fine", "department", "pool"),
    [
        (WURZEN, None, "Kämmerei", "wurzen"),
        (WURZEN, "STEUER1", "Kämmerei", "wurzen"),  # the empty prefix takes the rest
        (WURZEN, "BAU", "Bauamt", "wurzen-bau"),
        (WURZEN, "bau12", "Bauamt", "wurzen-bau"),  # prefixes compare case-insensitively
        (WURZEN, "BAU7X", "Tiefbau", "wurzen-tiefbau"),  # the longest prefix wins
        (AUGUSTUSBURG, "K1", "Kämmerei", "augustusburg"),
    ],
)
def test_routes_to_the_town_and_department(coarse: str, fine: str | None, department: str, pool: str) -> None:
    result = route(coarse, fine)
    assert isinstance(result, InvoiceRoute)
    assert (result.owner_ags, result.department, result.pool) == (coarse, department, pool)
    assert result.leitweg_id == str(LeitwegId.build(coarse, fine))


@pytest.mark.parametrize(
    ("buyer_reference", "reason"),
    [
        (None, RoutingRejectionReason.MISSING),
        ("  ", RoutingRejectionReason.MISSING),
        ("14729410-25", RoutingRejectionReason.INVALID),  # wrong check digits
        ("04011000-12345-34", RoutingRejectionReason.INVALID),  # the test suite's dummy ID
        ("Projekt 4711", RoutingRejectionReason.INVALID),
        (str(LeitwegId.build("14729411")), RoutingRejectionReason.UNKNOWN_RECIPIENT),
        (str(LeitwegId.build("147")), RoutingRejectionReason.UNKNOWN_RECIPIENT),  # a prefix is not the town
        (str(LeitwegId.build(AUGUSTUSBURG)), RoutingRejectionReason.UNKNOWN_DEPARTMENT),
        (str(LeitwegId.build(AUGUSTUSBURG, "X1")), RoutingRejectionReason.UNKNOWN_DEPARTMENT),
    ],
)
def test_unroutable_invoices_are_rejected_with_a_reason(
    buyer_reference: str | None, reason: RoutingRejectionReason
) -> None:
    result = TABLE.route(buyer_reference)
    assert isinstance(result, RoutingRejection)
    assert result.reason is reason
    assert result.detail
    assert result.message_de.startswith("Die ")


@pytest.mark.parametrize(
    ("towns", "message"),
    [
        (
            [
                {"ags": WURZEN, "coarse_parts": [WURZEN], "departments": [{"department": "A", "pool": "wurzen"}]},
                {"ags": AUGUSTUSBURG, "coarse_parts": [WURZEN], "departments": [{"department": "B", "pool": "aug"}]},
            ],
            "configured for",
        ),
        ([{"ags": WURZEN, "coarse_parts": ["1472941"], "departments": [{"department": "A", "pool": "w1"}]}], "digits"),
        ([{"ags": WURZEN, "coarse_parts": [WURZEN], "departments": []}], "at least 1"),
        (
            [
                {
                    "ags": WURZEN,
                    "coarse_parts": [WURZEN],
                    "departments": [
                        {"fine_prefix": "bau", "department": "A", "pool": "w1"},
                        {"fine_prefix": "BAU", "department": "B", "pool": "w2"},
                    ],
                }
            ],
            "share a fine-part prefix",
        ),
        ([{"ags": "1472941", "coarse_parts": [WURZEN], "departments": [{"department": "A", "pool": "w1"}]}], "ags"),
        (
            [{"ags": WURZEN, "coarse_parts": [WURZEN], "departments": [{"department": "A", "pool": "Wurzen Pool"}]}],
            "pool",
        ),
    ],
)
def test_inconsistent_tables_are_refused(towns: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LeitwegRoutingTable.model_validate({"version": "bad", "towns": towns})


def test_the_pilot_table_routes_wurzen_and_augustusburg() -> None:
    table = load_leitweg_routing()
    wurzen = table.route("14729410-24")
    bauamt = table.route("14729410-BAU-48")
    augustusburg = table.route("14522020-36")
    assert isinstance(wurzen, InvoiceRoute)
    assert (wurzen.owner_ags, wurzen.pool) == (WURZEN, "wurzen")
    assert isinstance(bauamt, InvoiceRoute)
    assert bauamt.department == "Bauamt"
    assert isinstance(augustusburg, InvoiceRoute)
    assert (augustusburg.owner_ags, augustusburg.pool) == (AUGUSTUSBURG, "augustusburg")


def test_a_broken_table_file_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "leitweg.yaml"
    path.write_text('version: "x"\ntowns:\n  - ags: "14729410"\n    coarse_parts: ["12"]\n    departments: []\n')
    with pytest.raises(EinvoiceConfigError, match=r"leitweg\.yaml: towns\.0\.departments"):
        load_leitweg_routing(path)
    with pytest.raises(EinvoiceConfigError, match="cannot read"):
        load_leitweg_routing(tmp_path / "missing.yaml")
