"""The routing policy: which pool works a case. Pure and deterministic, and it explains itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ikdz_contracts.events import PoolCandidate, RoutingDecision
from ikdz_contracts.services import ServiceId

from ikdz_routing.domain.config import Pool, RoutingConfig

POLICY = "shortest-expected-wait/own-town-on-ties"


@dataclass(frozen=True)
class CaseToRoute:
    owner_ags: str
    service: ServiceId
    required_skills: frozenset[str] = frozenset()
    requested_pool: str | None = None
    """A pool the filing service asks for (an e-invoice's department); other candidates are not eligible."""


@dataclass(frozen=True)
class Routed:
    pool: Pool
    agreement_ref: str | None
    decision: RoutingDecision


@dataclass(frozen=True)
class Unroutable:
    decision: RoutingDecision


def _candidates(case: CaseToRoute, config: RoutingConfig, day: date) -> list[tuple[Pool, str | None]]:
    """Own pools, then pools of towns that have an active agreement with the owner for the service."""
    index = config.lookup()
    found: list[tuple[Pool, str | None]] = [(pool, None) for pool in index.pools_of(case.owner_ags, case.service)]
    for agreement in index.agreements_of(case.owner_ags):
        if case.service in agreement.services and agreement.active_on(day):
            found += [
                (pool, agreement.reference)
                for pool in index.pools_of(agreement.processing_ags, case.service)
                if agreement.pool_id in {None, pool.id}
            ]
    return found


def decide(
    case: CaseToRoute,
    config: RoutingConfig,
    open_cases: Mapping[str, int],
    day: date,
    *,
    excluded: frozenset[str] = frozenset(),
) -> Routed | Unroutable:
    """Pick the eligible pool with the lowest expected wait (open cases ÷ daily capacity).

    Ties go to the owner town's own pool, then to the lower pool id, so the result never depends on
    the order of the configuration. ``excluded`` pools are not considered (re-routing work away).
    """
    considered: list[PoolCandidate] = []
    eligible: list[tuple[float, bool, str, Pool, str | None]] = []
    for pool, agreement_ref in _candidates(case, config, day):
        if pool.id in excluded:
            continue
        backlog = open_cases.get(pool.id, 0)
        missing = case.required_skills - pool.skills
        wait = round(backlog / pool.daily_capacity, 4)
        own = agreement_ref is None
        not_requested = case.requested_pool is not None and pool.id != case.requested_pool
        if not_requested:
            reason = f"the case asks for pool {case.requested_pool}"
        elif missing:
            reason = f"lacks skills {', '.join(sorted(missing))}"
        else:
            reason = "own town" if own else f"agreement {agreement_ref}"
            eligible.append((wait, not own, pool.id, pool, agreement_ref))
        considered.append(
            PoolCandidate(
                pool_id=pool.id,
                processing_ags=pool.processing_ags,
                agreement_ref=agreement_ref,
                eligible=not missing and not not_requested,
                open_cases=backlog,
                capacity_per_day=round(pool.daily_capacity, 4),
                expected_wait_days=wait,
                reason=reason,
            )
        )
    if not eligible:
        if not considered:
            reason = "no pool of the owner town or of a partner under an active agreement offers this service"
        elif case.requested_pool is not None and all(c.pool_id != case.requested_pool for c in considered):
            reason = (
                f"the requested pool {case.requested_pool} is neither the owner town's nor under an active agreement"
            )
        else:
            reason = "no candidate pool has the required skills"
        return Unroutable(
            RoutingDecision(policy_version=f"{POLICY}@{config.version}", reasons=[reason], candidates=considered)
        )
    wait, not_own, _, pool, agreement_ref = min(eligible, key=lambda item: item[:3])
    reasons = [f"lowest expected wait: {wait:g} days at pool {pool.id}"]
    if not_own:
        reasons.append(f"processed under agreement {agreement_ref}; the owner town stays responsible")
    elif any(other[0] == wait for other in eligible if other[3] is not pool):
        reasons.append("tie broken in favour of the owner town")
    return Routed(
        pool=pool,
        agreement_ref=agreement_ref,
        decision=RoutingDecision(policy_version=f"{POLICY}@{config.version}", reasons=reasons, candidates=considered),
    )
