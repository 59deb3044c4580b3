"""The routing policy, table by table, and the property that no case leaves its town without an agreement."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ikdz_contracts.services import ServiceId
from ikdz_routing.domain.config import Agreement, Pool, RoutingConfig
from ikdz_routing.domain.policy import CaseToRoute, Routed, Unroutable, decide

WURZEN, AUGUSTUSBURG, GRIMMA = "14729410", "14522020", "14729160"
ALL = frozenset(ServiceId)
DAY = date(2026, 11, 25)


def pool(pool_id: str, ags: str, *, capacity: float = 40, skills: frozenset[str] = frozenset(), services=ALL) -> Pool:  # type: ignore[no-untyped-def]
    return Pool(id=pool_id, processing_ags=ags, services=services, skills=skills, capacity_per_day=capacity)


def agreement(owner: str, processing: str, *, services=ALL, valid_from=date(2026, 1, 1), valid_to=None) -> Agreement:  # type: ignore[no-untyped-def]
    return Agreement(
        reference=f"ZV {owner}->{processing}",
        owner_ags=owner,
        processing_ags=processing,
        services=services,
        valid_from=valid_from,
        valid_to=valid_to,
    )


PILOT = RoutingConfig(
    version="t1",
    pools=(pool("wurzen", WURZEN), pool("augustusburg", AUGUSTUSBURG)),
    agreements=(agreement(WURZEN, AUGUSTUSBURG), agreement(AUGUSTUSBURG, WURZEN)),
)
CASE = CaseToRoute(owner_ags=WURZEN, service=ServiceId.TRADE_REGISTRATION)


@pytest.mark.parametrize(
    ("backlog", "expected_pool", "expected_agreement"),
    [
        ({"wurzen": 0, "augustusburg": 0}, "wurzen", None),  # tie: own town
        ({"wurzen": 10, "augustusburg": 10}, "wurzen", None),  # tie: own town
        ({"wurzen": 11, "augustusburg": 10}, "augustusburg", f"ZV {WURZEN}->{AUGUSTUSBURG}"),
        ({"wurzen": 5, "augustusburg": 50}, "wurzen", None),
        ({}, "wurzen", None),  # nothing open anywhere
    ],
)
def test_shortest_expected_wait_wins_and_ties_stay_home(
    backlog: dict[str, int], expected_pool: str, expected_agreement: str | None
) -> None:
    outcome = decide(CASE, PILOT, backlog, DAY)
    assert isinstance(outcome, Routed)
    assert outcome.pool.id == expected_pool
    assert outcome.agreement_ref == expected_agreement


def test_capacity_scales_the_expected_wait() -> None:
    config = PILOT.model_copy(
        update={"pools": (pool("wurzen", WURZEN, capacity=10), pool("augustusburg", AUGUSTUSBURG, capacity=100))}
    )
    outcome = decide(CASE, config, {"wurzen": 10, "augustusburg": 50}, DAY)  # 1 day vs 0.5 days
    assert isinstance(outcome, Routed)
    assert outcome.pool.id == "augustusburg"


@pytest.mark.parametrize(
    "agreements",
    [
        (),  # no agreement
        (agreement(WURZEN, AUGUSTUSBURG, valid_to=date(2026, 6, 30)),),  # expired
        (agreement(WURZEN, AUGUSTUSBURG, valid_from=date(2027, 1, 1)),),  # not yet valid
        (agreement(WURZEN, AUGUSTUSBURG, services=frozenset({ServiceId.EINVOICE})),),  # other service
        (agreement(AUGUSTUSBURG, WURZEN),),  # the other direction only
    ],
)
def test_without_an_active_agreement_for_the_service_the_case_stays_home(agreements: tuple[Agreement, ...]) -> None:
    config = PILOT.model_copy(update={"agreements": agreements})
    outcome = decide(CASE, config, {"wurzen": 1000, "augustusburg": 0}, DAY)
    assert isinstance(outcome, Routed)
    assert outcome.pool.id == "wurzen"
    assert [c.pool_id for c in outcome.decision.candidates] == ["wurzen"]


def test_agreement_validity_includes_its_first_and_last_day() -> None:
    bounded = agreement(WURZEN, AUGUSTUSBURG, valid_from=DAY, valid_to=DAY)
    config = PILOT.model_copy(update={"agreements": (bounded,)})
    outcome = decide(CASE, config, {"wurzen": 9, "augustusburg": 0}, DAY)
    assert isinstance(outcome, Routed)
    assert outcome.pool.id == "augustusburg"


def test_pools_without_the_required_skills_are_listed_but_not_chosen() -> None:
    config = PILOT.model_copy(
        update={"pools": (pool("wurzen", WURZEN), pool("augustusburg", AUGUSTUSBURG, skills=frozenset({"34a"})))}
    )
    case = CaseToRoute(owner_ags=WURZEN, service=ServiceId.TRADE_REGISTRATION, required_skills=frozenset({"34a"}))
    outcome = decide(case, config, {"wurzen": 0, "augustusburg": 30}, DAY)
    assert isinstance(outcome, Routed)
    assert outcome.pool.id == "augustusburg"
    wurzen = next(c for c in outcome.decision.candidates if c.pool_id == "wurzen")
    assert not wurzen.eligible
    assert wurzen.reason == "lacks skills 34a"


def test_a_town_without_pool_or_agreement_is_unroutable_with_a_reason() -> None:
    outcome = decide(CaseToRoute(owner_ags=GRIMMA, service=ServiceId.EINVOICE), PILOT, {}, DAY)
    assert isinstance(outcome, Unroutable)
    assert "no pool" in outcome.decision.reasons[0]
    assert outcome.decision.candidates == []


def test_a_town_without_own_pool_uses_its_partner() -> None:
    config = PILOT.model_copy(update={"agreements": (*PILOT.agreements, agreement(GRIMMA, WURZEN))})
    outcome = decide(CaseToRoute(owner_ags=GRIMMA, service=ServiceId.EINVOICE), config, {}, DAY)
    assert isinstance(outcome, Routed)
    assert outcome.pool.id == "wurzen"
    assert "the owner town stays responsible" in outcome.decision.reasons[1]


def test_the_decision_does_not_depend_on_the_order_of_the_configuration() -> None:
    shuffled = RoutingConfig(
        version="t1", pools=tuple(reversed(PILOT.pools)), agreements=tuple(reversed(PILOT.agreements))
    )
    for backlog in ({"wurzen": 3, "augustusburg": 3}, {"wurzen": 4, "augustusburg": 2}):
        first, second = decide(CASE, PILOT, backlog, DAY), decide(CASE, shuffled, backlog, DAY)
        assert isinstance(first, Routed)
        assert isinstance(second, Routed)
        assert first.pool.id == second.pool.id


TOWNS = [WURZEN, AUGUSTUSBURG, GRIMMA, "14522080", "14625020"]


@st.composite
def configurations(draw: st.DrawFn) -> tuple[RoutingConfig, CaseToRoute, dict[str, int], date]:
    pools = tuple(
        pool(
            f"p{i}",
            draw(st.sampled_from(TOWNS)),
            capacity=draw(st.integers(1, 50)),
            services=frozenset(draw(st.sets(st.sampled_from(list(ServiceId)), min_size=1))),
        )
        for i in range(draw(st.integers(1, 5)))  # a configuration needs a pool
    )
    agreements = []
    for _ in range(draw(st.integers(0, 5))):
        owner, processing = draw(st.lists(st.sampled_from(TOWNS), min_size=2, max_size=2, unique=True))
        start = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))
        end = draw(st.one_of(st.none(), st.dates(start, date(2028, 12, 31))))
        services = frozenset(draw(st.sets(st.sampled_from(list(ServiceId)), min_size=1)))
        agreements.append(agreement(owner, processing, services=services, valid_from=start, valid_to=end))
    config = RoutingConfig(version="h", pools=pools, agreements=tuple(agreements))
    case = CaseToRoute(owner_ags=draw(st.sampled_from(TOWNS)), service=draw(st.sampled_from(list(ServiceId))))
    backlog = {p.id: draw(st.integers(0, 500)) for p in pools}
    return config, case, backlog, draw(st.dates(date(2025, 1, 1), date(2028, 12, 31)))


@given(configurations())
def test_no_case_ever_goes_to_a_pool_of_another_town_without_an_active_agreement(
    drawn: tuple[RoutingConfig, CaseToRoute, dict[str, int], date],
) -> None:
    config, case, backlog, day = drawn
    outcome = decide(case, config, backlog, day)
    if isinstance(outcome, Unroutable):
        assert not config.pools_of(case.owner_ags, case.service)
        return
    assert case.service in outcome.pool.services
    if outcome.pool.processing_ags == case.owner_ags:
        return
    assert any(
        a.owner_ags == case.owner_ags
        and a.processing_ags == outcome.pool.processing_ags
        and case.service in a.services
        and a.active_on(day)
        and a.reference == outcome.agreement_ref
        for a in config.agreements
    )


@pytest.mark.parametrize("backlog", [{}, {"augustusburg": 500}, {"wurzen": 500}])
def test_a_requested_pool_under_an_agreement_wins_whatever_the_backlog(backlog: dict[str, int]) -> None:
    case = CaseToRoute(owner_ags=WURZEN, service=ServiceId.EINVOICE, requested_pool="augustusburg")

    outcome = decide(case, PILOT, backlog, DAY)

    assert isinstance(outcome, Routed)
    assert (outcome.pool.id, outcome.agreement_ref) == ("augustusburg", f"ZV {WURZEN}->{AUGUSTUSBURG}")
    [other] = [c for c in outcome.decision.candidates if c.pool_id == "wurzen"]
    assert not other.eligible
    assert other.reason == "the case asks for pool augustusburg"


def test_a_requested_pool_without_an_agreement_leaves_the_case_unroutable() -> None:
    grimma = RoutingConfig(version="t2", pools=(*PILOT.pools, pool("grimma", GRIMMA)), agreements=PILOT.agreements)
    case = CaseToRoute(owner_ags=WURZEN, service=ServiceId.EINVOICE, requested_pool="grimma")

    outcome = decide(case, grimma, {}, DAY)

    assert isinstance(outcome, Unroutable)
    assert outcome.decision.reasons == [
        "the requested pool grimma is neither the owner town's nor under an active agreement"
    ]


def test_a_state_wide_configuration_offers_exactly_the_own_pool_and_the_partners_under_agreement() -> None:
    """418 town pools, every town with agreements with all towns of its Landkreis (18,166
    agreements): the candidates come from the lookup by owner town, not from scanning them all,
    and are exactly the own pool and the Kreis partners; an edited copy is looked up afresh."""
    from ikdz_contracts.reference.municipalities import load_municipalities  # noqa: PLC0415

    towns = sorted(load_municipalities(), key=lambda m: m.ags)
    kreis = {m.ags: m.kreis_ags for m in towns}
    config = RoutingConfig(
        version="statewide",
        pools=tuple(pool(f"p{m.ags}", m.ags) for m in towns),
        agreements=tuple(
            agreement(a.ags, b.ags) for a in towns for b in towns if a != b and a.kreis_ags == b.kreis_ags
        ),
    )
    assert len(config.agreements) == 18_166
    outcome = decide(CASE, config, {}, DAY)
    assert isinstance(outcome, Routed)
    assert outcome.pool.id == f"p{WURZEN}"
    offered = {c.processing_ags for c in outcome.decision.candidates}
    assert offered == {ags for ags, k in kreis.items() if k == kreis[WURZEN]}
    alone = config.model_copy(update={"agreements": ()})
    assert [c.pool_id for c in decide(CASE, alone, {}, DAY).decision.candidates] == [f"p{WURZEN}"]
