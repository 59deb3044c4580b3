"""Pooling simulation: how long cases wait when Saxony's 418 towns work alone or in shared pools.

Every town gets demand in proportion to its population and the same staff per inhabitant, so every
pool runs at the same utilisation; what changes between the scenarios is only how towns share a
queue. Each pool is an M/M/c queue in working hours (Poisson arrivals, exponential work, first come
first served): a pool with F full-time equivalents of staff has c = ceil(F) clerks working at speed
F/c (a town with 0.2 FTE has one clerk who gives these cases a fifth of her time). Scenarios:

- ``isolated``: each town its own pool (today);
- ``neighbour-pairs``: each town shares a pool with its nearest partner (greedy matching of the
  closest seats of administration, across Kreis borders as a Zweckvereinbarung may);
- ``landkreis``: one pool per Landkreis (the three kreisfreie Städte stay alone);
- ``saxony``: one pool for the whole state (the upper bound of pooling).

Prints, per scenario, p50/p90/mean waiting time (from arrival to a clerk starting the case) over
all cases, the median town's p90 and the measured utilisation, each also as a ratio to
``isolated``. Aim (issue 4): pooled p90 ≤ 50 % of isolated. Pure Python, seeded, < 1 min.

Run: ``uv run python bench/pooling.py [--seed 1] [--utilisation 0.85] [--json out.json]``.
The simulation core (``simulate_pool``, ``erlang_c`` …) is importable; bench/tests check it.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ikdz_contracts.reference.municipalities import load_municipalities

AIM_P90_RATIO = 0.5


@dataclass(frozen=True)
class Town:
    ags: str
    name: str
    kreis_ags: str
    kreis_name: str
    population: int
    lat: float
    lng: float


def saxon_towns() -> list[Town]:
    """The 418 Saxon municipalities with population and seat coordinates (contracts reference data)."""
    return [
        Town(m.ags, m.display_name, m.kreis_ags, m.kreis_name, m.population, m.lat, m.lng)
        for m in sorted(load_municipalities(), key=lambda m: m.ags)
    ]


# ------------------------------------------------------------------------------------ pool layouts

Layout = list[list[Town]]


def isolated(towns: Sequence[Town]) -> Layout:
    return [[town] for town in towns]


def distance_km(a: Town, b: Town) -> float:
    """Great-circle distance between two seats of administration."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlng = lat2 - lat1, math.radians(b.lng - a.lng)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def neighbour_pairs(towns: Sequence[Town]) -> Layout:
    """Greedy matching of the closest seats: the closest unmatched pair first, ties by AGS. With
    an odd number of towns the last one joins its nearest pair."""
    pairs = sorted(
        (distance_km(a, b), a.ags, b.ags, i, j) for i, a in enumerate(towns) for j, b in enumerate(towns) if i < j
    )
    matched: dict[int, int] = {}
    for _, _, _, i, j in pairs:
        if i not in matched and j not in matched:
            matched[i], matched[j] = j, i
    layout = [[towns[i], towns[j]] for i, j in sorted(matched.items()) if i < j]
    for i, town in enumerate(towns):
        if i not in matched:
            nearest = min(layout, key=lambda pool: min(distance_km(town, other) for other in pool))
            nearest.append(town)
    return layout


def by_kreis(towns: Sequence[Town]) -> Layout:
    groups: dict[str, list[Town]] = defaultdict(list)
    for town in towns:
        groups[town.kreis_ags].append(town)
    return [groups[key] for key in sorted(groups)]


def statewide(towns: Sequence[Town]) -> Layout:
    return [list(towns)]


LAYOUTS = {"isolated": isolated, "neighbour-pairs": neighbour_pairs, "landkreis": by_kreis, "saxony": statewide}


# ------------------------------------------------------------------------------------ the queue


@dataclass(frozen=True)
class Params:
    cases_per_1000_per_year: float = 20.0
    service_hours: float = 1.0  # mean work per case for a full-time clerk
    utilisation: float = 0.85  # staff is sized so that every pool runs at this load
    hours_per_day: float = 8.0
    days_per_year: float = 250.0
    years: float = 3.0
    warmup_years: float = 1.0

    @property
    def horizon_hours(self) -> float:
        return self.years * self.days_per_year * self.hours_per_day

    @property
    def warmup_hours(self) -> float:
        return self.warmup_years * self.days_per_year * self.hours_per_day

    def arrivals_per_hour(self, population: int) -> float:
        return population * self.cases_per_1000_per_year / 1000 / (self.days_per_year * self.hours_per_day)

    def fte(self, population: int) -> float:
        """Equal staff per inhabitant: the FTE that works the town's demand at the target utilisation."""
        return self.arrivals_per_hour(population) * self.service_hours / self.utilisation


@dataclass
class QueueResult:
    """Arrival and waiting times (hours) of the cases that arrived after the warm-up, with their
    town's index in the pool."""

    arrivals: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    towns: list[int] = field(default_factory=list)
    busy_hours: float = 0.0  # work done by cases started in the measured window
    capacity_hours: float = 0.0  # servers × speed × window


def simulate_pool(
    rates: Sequence[float],
    servers: int,
    speed: float,
    service_hours: float,
    horizon: float,
    warmup: float,
    rng: random.Random,
) -> QueueResult:
    """One M/M/c FCFS queue fed by independent Poisson streams (one per member town, ``rates`` per
    hour). Each case goes to the clerk who is free first (Kiefer-Wolfowitz recursion); work is
    exponential with mean ``service_hours`` at speed 1."""
    if servers < 1 or speed <= 0:
        raise ValueError("a pool needs at least one clerk with a positive speed")
    total = sum(rates)
    result = QueueResult(capacity_hours=servers * speed * (horizon - warmup))
    if total <= 0:
        return result
    cumulative = []
    running = 0.0
    for rate in rates:
        running += rate / total
        cumulative.append(running)
    free_at = [0.0] * servers  # a heap of the times the clerks become free
    now = 0.0
    while True:
        now += rng.expovariate(total)
        if now >= horizon:
            return result
        work = rng.expovariate(1 / service_hours) / speed
        town = _pick(cumulative, rng.random())
        start = max(now, free_at[0])
        heapq.heapreplace(free_at, start + work)
        if now >= warmup:
            result.arrivals.append(now)
            result.waits.append(start - now)
            result.towns.append(town)
            result.busy_hours += work * speed


def _pick(cumulative: Sequence[float], u: float) -> int:
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if u < cumulative[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


# ------------------------------------------------------------------------------ M/M/c (Erlang C)


def erlang_c(servers: int, offered: float) -> float:
    """Probability that a case waits in M/M/c with ``offered`` = λ/μ Erlang (needs offered < servers)."""
    if offered >= servers:
        return 1.0
    term, below = 1.0, 1.0  # a^k/k! for k = 0, summed up to c-1
    for k in range(1, servers):
        term *= offered / k
        below += term
    top = term * offered / servers / (1 - offered / servers)
    return top / (below + top)


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in queue of M/M/c: C(c, a) / (cμ - λ)."""
    return erlang_c(servers, arrival_rate / service_rate) / (servers * service_rate - arrival_rate)


def mmc_wait_quantile(q: float, servers: int, arrival_rate: float, service_rate: float) -> float:
    """The q-quantile of the waiting time of M/M/c: P(W > t) = C e^{-(cμ-λ)t}."""
    waiting = erlang_c(servers, arrival_rate / service_rate)
    if 1 - q >= waiting:
        return 0.0
    return math.log(waiting / (1 - q)) / (servers * service_rate - arrival_rate)


# ------------------------------------------------------------------------------------ scenarios


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    pools: int
    largest_pool_fte: float
    cases: int
    p50_days: float
    p90_days: float
    mean_days: float
    median_town_p90_days: float
    utilisation: float


def run_scenario(name: str, layout: Layout, params: Params, seed: int) -> ScenarioResult:
    waits: list[float] = []
    per_town: dict[str, list[float]] = defaultdict(list)
    busy = capacity = 0.0
    for pool in layout:
        fte = sum(params.fte(town.population) for town in pool)
        servers = max(1, math.ceil(fte - 1e-9))
        rng = random.Random(f"{seed}:{name}:{pool[0].ags}")
        result = simulate_pool(
            [params.arrivals_per_hour(town.population) for town in pool],
            servers,
            fte / servers,
            params.service_hours,
            params.horizon_hours,
            params.warmup_hours,
            rng,
        )
        waits += result.waits
        for wait, index in zip(result.waits, result.towns, strict=True):
            per_town[pool[index].ags].append(wait)
        busy += result.busy_hours
        capacity += result.capacity_hours
    day = params.hours_per_day
    town_p90 = [percentile(values, 90) for values in per_town.values()]
    return ScenarioResult(
        name=name,
        pools=len(layout),
        largest_pool_fte=max(sum(params.fte(t.population) for t in pool) for pool in layout),
        cases=len(waits),
        p50_days=percentile(waits, 50) / day,
        p90_days=percentile(waits, 90) / day,
        mean_days=sum(waits) / len(waits) / day,
        median_town_p90_days=percentile(town_p90, 50) / day,
        utilisation=busy / capacity,
    )


def run_all(towns: Sequence[Town], params: Params, seed: int, names: Iterable[str] = LAYOUTS) -> list[ScenarioResult]:
    return [run_scenario(name, LAYOUTS[name](towns), params, seed) for name in names]


def _ratio(value: float, base: float) -> str:
    if base == 0:
        return "  n/a" if value == 0 else "  inf"
    return f"{value / base:5.2f}"


def report(results: Sequence[ScenarioResult], params: Params, towns: Sequence[Town]) -> list[str]:
    base = results[0]
    fte = sum(params.fte(t.population) for t in towns)
    lines = [
        f"{len(towns)} towns, {sum(t.population for t in towns):,} inhabitants; "
        f"{params.cases_per_1000_per_year:g} cases per 1,000 inhabitants and year, "
        f"{params.service_hours:g} h work per case, utilisation {params.utilisation:.0%} -> {fte:.1f} FTE in total "
        f"({fte / sum(t.population for t in towns) * 1e5:.2f} per 100,000 inhabitants)",
        f"{params.years:g} years simulated, the first {params.warmup_years:g} discarded; times in working days "
        f"of {params.hours_per_day:g} h; waiting = arrival until a clerk starts the case",
        "",
        f"{'scenario':<16} {'pools':>5} {'max FTE':>7} {'cases':>7} {'p50 d':>7} {'p90 d':>7} {'mean d':>7} "
        f"{'town p90':>8} {'util':>5} | {'p50/iso':>7} {'p90/iso':>7} {'mean/iso':>8} {'town/iso':>8} {'util/iso':>8}",
    ]
    for r in results:
        lines.append(
            f"{r.name:<16} {r.pools:>5} {r.largest_pool_fte:>7.1f} {r.cases:>7} {r.p50_days:>7.2f} "
            f"{r.p90_days:>7.2f} {r.mean_days:>7.2f} {r.median_town_p90_days:>8.2f} {r.utilisation:>5.2f} | "
            f"{_ratio(r.p50_days, base.p50_days):>7} {_ratio(r.p90_days, base.p90_days):>7} "
            f"{_ratio(r.mean_days, base.mean_days):>8} {_ratio(r.median_town_p90_days, base.median_town_p90_days):>8} "
            f"{_ratio(r.utilisation, base.utilisation):>8}"
        )
    lines.append("")
    for r in results[1:]:
        ratio = r.p90_days / base.p90_days if base.p90_days else float("nan")
        verdict = "met" if ratio <= AIM_P90_RATIO else "missed"
        lines.append(f"aim pooled p90 <= {AIM_P90_RATIO:.0%} of isolated: {r.name}: {ratio:.1%} ({verdict})")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    defaults = Params()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases-per-1000", type=float, default=defaults.cases_per_1000_per_year)
    parser.add_argument("--service-hours", type=float, default=defaults.service_hours)
    parser.add_argument("--utilisation", type=float, default=defaults.utilisation)
    parser.add_argument("--years", type=float, default=defaults.years)
    parser.add_argument("--warmup-years", type=float, default=defaults.warmup_years)
    parser.add_argument("--scenarios", default=",".join(LAYOUTS), help="comma-separated, the first is the baseline")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not 0 < args.utilisation < 1:
        print("--utilisation must lie between 0 and 1 (a queue at or above 1 grows without bound)")
        return 2
    params = Params(
        cases_per_1000_per_year=args.cases_per_1000,
        service_hours=args.service_hours,
        utilisation=args.utilisation,
        years=args.years,
        warmup_years=args.warmup_years,
    )
    started = time.monotonic()
    towns = saxon_towns()
    results = run_all(towns, params, args.seed, [n.strip() for n in args.scenarios.split(",") if n.strip()])
    print("\n".join(report(results, params, towns)))
    print(f"\nseed {args.seed}, {time.monotonic() - started:.1f} s")
    if args.json is not None:
        args.json.write_text(
            json.dumps({"params": vars(params), "seed": args.seed, "results": [vars(r) for r in results]}, indent=2)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
