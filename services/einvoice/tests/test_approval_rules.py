"""The towns' approval rules: the pilot file loads; mistakes name the file and field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_einvoice.adapters.config_files import EinvoiceConfigError, load_approval_rules, load_leitweg_routing
from ikdz_einvoice.domain.approval_rules import DEFAULT_LEVEL

KNOWN = {town.ags for town in load_municipalities()}


def test_the_pilot_rules_load_and_pick_levels_by_amount() -> None:
    rules = load_approval_rules(municipalities=KNOWN)
    wurzen = rules.for_town("14729410")

    assert [wurzen.release_level(Decimal(a)).skill for a in ("1", "5000", "5000.01", "50001")] == [
        "anordnung",
        "anordnung",
        "anordnung-amtsleitung",
        "anordnung-buergermeister",
    ]
    assert wurzen.straight_through is None
    assert rules.for_town("14522020").straight_through is not None
    assert rules.for_town("14729160").release_levels == (DEFAULT_LEVEL,)  # a town without rules


def test_the_pilot_leitweg_table_sends_wurzen_schools_to_augustusburg() -> None:
    route = load_leitweg_routing(municipalities=KNOWN).route("14729410-SCHULE-43")
    assert (route.owner_ags, route.department, route.pool) == ("14729410", "Schulverwaltung", "augustusburg")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "version: v\ntowns:\n  - ags: '1472941'\n    release_levels: [{up_to: null, skill: a, label_de: A}]\n",
            r"towns\.0\.ags",
        ),
        (
            "version: v\ntowns:\n  - ags: '14729410'\n    release_levels: [{up_to: 10, skill: a, label_de: A}]\n",
            "no limit",
        ),
        (
            "version: v\ntowns:\n  - ags: '14729410'\n    release_levels:\n"
            "      - {up_to: 10, skill: a, label_de: A}\n      - {up_to: 5, skill: b, label_de: B}\n"
            "      - {up_to: null, skill: c, label_de: C}\n",
            "ascend",
        ),
        (
            "version: v\ntowns:\n  - ags: '14729410'\n    release_levels: [{up_to: null, skill: a, label_de: A}]\n"
            "    straight_through: {max_amount: 5, known_suppliers: [x], order_reference_pattern: '['}\n",
            r"towns\.0\.straight_through\.order_reference_pattern",
        ),
        (
            "version: v\ntowns:\n  - ags: '99999999'\n    release_levels: [{up_to: null, skill: a, label_de: A}]\n",
            "unknown municipality 99999999",
        ),
    ],
)
def test_mistakes_name_the_file_and_field(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "approval.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(EinvoiceConfigError, match=message) as raised:
        load_approval_rules(path, KNOWN)
    assert str(path) in str(raised.value)
