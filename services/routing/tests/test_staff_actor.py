"""The worklists' actor counts only the pools of towns the token also names."""

from datetime import UTC, datetime, timedelta

from ikdz_platform.auth.principal import Role, StaffPrincipal
from ikdz_routing.entrypoints.staff import actor_from

WURZEN, AUGUSTUSBURG = "14729410", "14522020"
POOL_TOWNS = {"wurzen": WURZEN, "augustusburg": AUGUSTUSBURG}


async def _unused() -> StaffPrincipal:
    raise AssertionError


def _principal(towns: set[str], pools: set[str]) -> StaffPrincipal:
    return StaffPrincipal(
        subject="clerk-1",
        name="Test",
        towns=frozenset(towns),
        pools=frozenset(pools),
        roles=frozenset({Role.CLERK}),
        issuer="test",
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )


async def test_a_pool_of_a_town_the_token_does_not_name_is_dropped() -> None:
    resolve = actor_from(_unused, POOL_TOWNS.get)
    actor = await resolve(_principal({WURZEN}, {"wurzen", "augustusburg"}))
    assert actor.pools == frozenset({"wurzen"})
    assert actor.acting_ags == WURZEN


async def test_unknown_pools_are_dropped_and_pools_of_named_towns_kept() -> None:
    resolve = actor_from(_unused, POOL_TOWNS.get)
    actor = await resolve(_principal({WURZEN, AUGUSTUSBURG}, {"wurzen", "augustusburg", "grimma"}))
    assert actor.pools == frozenset({"wurzen", "augustusburg"})
