"""The Gewerbeanzeige generator (bench/gewerbe_generator.py): valid payloads, the mix it promises,
and labels that agree with the pure decision table, so the automation report can be trusted."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ikdz_contracts.payloads.gewerbe import NoticeKind, parse_payload
from ikdz_contracts.payloads.gewerbe_rules import RuleContext, Severity, validate
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_trade_registration.adapters.fee_config import load_fee_config
from ikdz_trade_registration.domain.decision import DecisionContext, decide
from ikdz_trade_registration.domain.registrations import duplicate_key
from ikdz_trade_registration.domain.trades import Category, Outcome


def _load() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "gewerbe_generator.py"
    spec = importlib.util.spec_from_file_location("ikdz_bench_gewerbe_generator", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


gen = _load()
TODAY = date(2026, 11, 25)
RULES = RuleContext(today=TODAY, wz=wz_catalogue())
DECIDE = DecisionContext(rules=RULES, fees=load_fee_config())

TRADE_CATEGORY = {
    gen.Trade.HANDWERK_A: {Category.HANDWERK_A},
    gen.Trade.RELIABILITY_38: {Category.RELIABILITY_38},
    gen.Trade.GASTSTAETTE_ALCOHOL: {Category.GASTSTAETTE_ALCOHOL},
    gen.Trade.PERMIT: {
        Category.PERMIT_30,
        Category.PERMIT_33A,
        Category.PERMIT_GAMING,
        Category.PERMIT_34,
        Category.PERMIT_34A,
        Category.PERMIT_34B,
        Category.PERMIT_34C,
        Category.FINANCIAL_BROKER,
    },
}


@pytest.fixture(scope="module")
def cases() -> list[Any]:
    return list(gen.Generator(seed=7, today=TODAY).cases(4000))


def test_same_seed_same_cases_other_seed_other_cases() -> None:
    first = [c.payload for c in gen.Generator(seed=1, today=TODAY).cases(50)]
    again = [c.payload for c in gen.Generator(seed=1, today=TODAY).cases(50)]
    other = [c.payload for c in gen.Generator(seed=2, today=TODAY).cases(50)]
    assert first == again
    assert first != other


def test_every_payload_and_base_is_valid_per_contract_and_only_defects_break_a_rule(cases: list[Any]) -> None:
    for case in cases:
        notice = parse_payload(case.payload)
        errors = {v.rule for v in validate(notice, RULES) if v.severity is Severity.ERROR}
        if case.refused_at_intake:
            assert errors, case.profile
        else:
            assert not errors, (case.profile, errors)
        if case.base is not None:
            base = parse_payload(case.base)
            assert not validate(base, RULES), case.profile
            assert decide(base, DECIDE).outcome is Outcome.AUTO


def test_the_mix_matches_its_parameters(cases: list[Any]) -> None:
    mix = gen.Mix()
    n = len(cases)
    kinds = Counter(c.kind for c in cases)
    for kind, share in mix.kinds.items():
        assert kinds[kind] / n == pytest.approx(share, abs=0.025), kind
    holders = Counter(c.holder for c in cases)
    for holder, share in mix.holders.items():
        assert holders[holder] / n == pytest.approx(share, abs=0.02), holder
    checked = [c for c in cases if c.kind is not NoticeKind.ABMELDUNG]
    trades = Counter(c.trade for c in checked)
    for trade, share in mix.trades.items():
        assert trades[trade] / len(checked) == pytest.approx(share, abs=0.025), trade
    assert sum(c.non_eu for c in checked) / len(checked) == pytest.approx(mix.non_eu, abs=0.015)
    assert sum(c.defect is not None for c in cases) / n == pytest.approx(mix.defects, abs=0.01)
    side = [c.payload["side_business"] for c in cases if c.holder is gen.Holder.NATURAL_PERSON]
    assert sum(side) / len(side) == pytest.approx(mix.side_business, abs=0.03)
    assert all(c.base is not None for c in cases if c.kind is not NoticeKind.ANMELDUNG and c.defect is None)


def test_a_mix_without_defects_and_abmeldungen_draws_none() -> None:
    mix = gen.Mix(kinds={NoticeKind.ANMELDUNG: 1.0}, defects=0.0, non_eu=0.0)
    drawn = gen.Generator(seed=3, today=TODAY, mix=mix).cases(300)
    assert {c.kind for c in drawn} == {NoticeKind.ANMELDUNG}
    assert all(c.defect is None and not c.non_eu for c in drawn)


def test_the_automated_path_needs_no_human() -> None:
    for case in gen.Generator(seed=11, today=TODAY, mix=gen.AUTOMATED_PATH).cases(300):
        assert decide(parse_payload(case.payload), DECIDE).outcome is Outcome.AUTO, case.payload["activities"]


def test_labels_agree_with_the_decision_table(cases: list[Any]) -> None:
    """What a case was drawn as is what the pure decision table makes of it."""
    for case in cases:
        if case.refused_at_intake or case.defect is gen.Defect.UNKNOWN_REGISTRATION:
            continue
        decision = decide(parse_payload(case.payload), DECIDE)
        found = decision.categories
        if case.defect is gen.Defect.NOT_A_TRADE:
            assert decision.outcome is Outcome.STOP
            assert Category.NOT_A_TRADE in found
            continue
        expected: set[Category] = set()
        if case.kind is not NoticeKind.ABMELDUNG:
            expected |= {Category.NON_EU_NATIONAL} if case.non_eu else set()
            if case.trade is not gen.Trade.PERMIT_FREE:
                assert found & TRADE_CATEGORY[case.trade], (case.profile, found)
                expected |= found & TRADE_CATEGORY[case.trade]
        if case.defect is gen.Defect.LATE_NOTICE:
            expected.add(Category.PLAUSIBILITY)
        if case.defect is gen.Defect.LOW_WZ_CONFIDENCE:
            expected.add(Category.WZ_LOW_CONFIDENCE)
        assert found == expected, (case.profile, case.payload["activities"], found)
        assert decision.outcome is (Outcome.AUTO if not expected else Outcome.AUTO_WITH_TASKS)


def test_no_two_businesses_share_holder_and_site(cases: list[Any]) -> None:
    """Otherwise an Anmeldung would be refused as a duplicate and the report would count it."""
    keys = [duplicate_key(parse_payload(c.payload)) for c in cases if c.kind is NoticeKind.ANMELDUNG]
    keys += [duplicate_key(parse_payload(c.base)) for c in cases if c.base is not None]
    assert len(keys) == len(set(keys))
