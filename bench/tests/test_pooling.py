"""The pooling simulation (bench/pooling.py) against queueing theory, so its numbers can be trusted:
Erlang C for M/M/c, Little's law, utilisation, and the pool layouts over the 418 towns."""

from __future__ import annotations

import importlib.util
import math
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _load() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "pooling.py"
    spec = importlib.util.spec_from_file_location("ikdz_bench_pooling", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


pooling = _load()


def test_erlang_c_matches_known_values() -> None:
    assert pooling.erlang_c(1, 0.8) == pytest.approx(0.8)  # M/M/1: a case waits with probability rho
    assert pooling.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert pooling.erlang_c(10, 9.0) == pytest.approx(0.6687, abs=1e-4)
    assert pooling.erlang_c(3, 3.0) == 1.0  # overloaded
    assert pooling.mmc_mean_wait(1, 0.8, 1.0) == pytest.approx(4.0)  # rho / (mu - lambda)
    assert pooling.mmc_wait_quantile(0.1, 1, 0.8, 1.0) == 0.0  # 20 % do not wait at all


@pytest.mark.parametrize(("servers", "rho"), [(1, 0.8), (3, 0.85), (10, 0.9)])
def test_a_simulated_pool_agrees_with_erlang_c(servers: int, rho: float) -> None:
    arrival_rate = rho * servers  # clerks of speed 1, one hour of work per case
    result = pooling.simulate_pool(
        [arrival_rate * 0.3, arrival_rate * 0.7], servers, 1.0, 1.0, 150_000 / arrival_rate, 5_000, random.Random(7)
    )
    waits = result.waits
    mean = sum(waits) / len(waits)
    assert mean == pytest.approx(pooling.mmc_mean_wait(servers, arrival_rate, 1.0), rel=0.1)
    waited = sum(1 for w in waits if w > 0) / len(waits)
    assert waited == pytest.approx(pooling.erlang_c(servers, arrival_rate), abs=0.02)
    p90 = pooling.percentile(waits, 90)
    assert p90 == pytest.approx(pooling.mmc_wait_quantile(0.9, servers, arrival_rate, 1.0), rel=0.1)
    assert result.busy_hours / result.capacity_hours == pytest.approx(rho, abs=0.02)
    # Arrivals are split among the member towns by their rates.
    assert sum(result.towns) / len(result.towns) == pytest.approx(0.7, abs=0.01)


def test_littles_law_holds_for_the_queue_seen_at_random_moments() -> None:
    """The mean number of waiting cases, counted at random inspection times, equals the arrival
    rate times the mean wait (L = lambda W) - a check on the bookkeeping of arrival and start times."""
    horizon, warmup = 40_000.0, 2_000.0
    result = pooling.simulate_pool([2.55], 3, 1.0, 1.0, horizon, warmup, random.Random(3))
    rng = random.Random(11)
    inspections = sorted(rng.uniform(warmup + 100, horizon - 100) for _ in range(20_000))
    intervals = sorted(
        zip(result.arrivals, (a + w for a, w in zip(result.arrivals, result.waits, strict=True)), strict=True)
    )
    # Sweep: add +1 at arrival, -1 at start, read the level at each inspection.
    events = sorted([(a, 1) for a, _ in intervals] + [(s, -1) for _, s in intervals])
    level, index, total = 0, 0, 0
    for t in inspections:
        while index < len(events) and events[index][0] <= t:
            level += events[index][1]
            index += 1
        total += level
    queue_length = total / len(inspections)
    arrival_rate = len(result.arrivals) / (horizon - warmup)
    mean_wait = sum(result.waits) / len(result.waits)
    assert queue_length == pytest.approx(arrival_rate * mean_wait, rel=0.05)


def test_a_pool_needs_a_clerk() -> None:
    with pytest.raises(ValueError, match="at least one clerk"):
        pooling.simulate_pool([1.0], 0, 1.0, 1.0, 10.0, 0.0, random.Random(1))


def test_the_layouts_partition_all_418_towns() -> None:
    towns = pooling.saxon_towns()
    assert len(towns) == 418
    assert all(t.population > 0 for t in towns)
    for name, layout in pooling.LAYOUTS.items():
        members = [t.ags for pool in layout(towns) for t in pool]
        assert sorted(members) == sorted(t.ags for t in towns), name
    pairs = pooling.neighbour_pairs(towns)
    assert {len(p) for p in pairs} <= {2, 3}
    assert len(pooling.by_kreis(towns)) == 13  # 10 Landkreise, 3 kreisfreie Städte
    [wurzen_pool] = [p for p in pooling.by_kreis(towns) if any(t.ags == "14729410" for t in p)]
    assert {t.kreis_name for t in wurzen_pool} == {"Landkreis Leipzig"}
    # A pair is each town's nearest free partner: far closer than two random towns.
    mean_pair_km = sum(pooling.distance_km(p[0], p[1]) for p in pairs) / len(pairs)
    assert mean_pair_km < 10


def test_equal_staff_per_inhabitant_gives_every_pool_the_same_utilisation() -> None:
    params = pooling.Params(years=3.0, warmup_years=0.5)
    towns = [t for t in pooling.saxon_towns() if t.kreis_ags == "14729"]  # Landkreis Leipzig
    assert params.fte(20_000) == pytest.approx(2 * params.fte(10_000))
    isolated = pooling.run_scenario("isolated", pooling.isolated(towns), params, seed=5)
    pooled = pooling.run_scenario("landkreis", pooling.by_kreis(towns), params, seed=5)
    assert isolated.utilisation == pytest.approx(params.utilisation, abs=0.04)
    assert pooled.utilisation == pytest.approx(params.utilisation, abs=0.04)
    assert pooled.p90_days < isolated.p90_days
    assert pooling.run_scenario("isolated", pooling.isolated(towns), params, seed=5) == isolated  # seeded
    assert math.isclose(isolated.cases, pooled.cases, rel_tol=0.05)
