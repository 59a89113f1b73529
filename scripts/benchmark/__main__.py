"""The benchmark as a program: every schedule on every data delay, then the verdict."""

import argparse
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
import sys
import time

from . import __doc__ as DESCRIPTION
from .analytics import measure as analytics_cost
from .model import JITTER, Job
from .report import delay_text, distribution, table
from .run import run_job
from .scenario import DAYS, DELAYS, SEED, STALL_SECONDS, USER, build_scenario
from .targets import (
    MAX_CALLS_PER_READING,
    MAX_GLUCOSE_CALLS_PER_READING,
    MAX_P95_LAG,
    MAX_STALL_LAG,
    verdict,
)

FIXED_INTERVALS = (60, 180, 300)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(DESCRIPTION or "").splitlines()[0])
    parser.add_argument(
        "--days", type=float, default=DAYS, help="simulated days per run"
    )
    parser.add_argument("--user", default=USER, help="simulated sandbox user")
    parser.add_argument("--seed", type=int, default=SEED, help="simulator seed")
    parser.add_argument(
        "--workers", type=int, default=2, help="runs in parallel (processes)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    """Run every schedule on every delay, print the table, judge the targets."""
    args = parse_args(argv)
    began = time.perf_counter()
    jobs = [
        Job(build_scenario(args.user, args.seed, delay, args.days), interval)
        for delay in DELAYS
        for interval in (None, *FIXED_INTERVALS)
    ]
    # The slowest runs (most polls) first, so the workers finish together.
    queue = sorted(jobs, key=lambda job: job.interval or 200)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        done = dict(zip(queue, pool.map(run_job, queue), strict=True))
    results = [done[job] for job in jobs]
    scenario = jobs[0].scenario
    print(
        f"{args.user}, seed {args.seed}, {args.days:g} simulated days from"
        f" {scenario.start:%Y-%m-%d %H:%M} UTC per run; jitter {JITTER:g} s;"
        f" {len(scenario.stalls)} stalls of {STALL_SECONDS / 3600:g} h;"
        f" {len(scenario.sensor_changes)} sensor change(s) with"
        f" {scenario.warmup / 60:g} min of warm-up.\n"
    )
    print(table(results))
    print("\nLag distribution of this project's schedule:")
    for result in results:
        if result.job.interval is None:
            print(distribution(result))
    slowest = max(results, key=lambda r: r.wall_seconds)
    print(
        f"\nWall time {time.perf_counter() - began:.0f} s"
        f" (slowest run {slowest.wall_seconds:.0f} s: {slowest.job.label},"
        f" delay {delay_text(slowest.job.scenario.delay)})."
    )
    cost = analytics_cost(args.user, args.seed)
    print(f"\n{cost.line()}")
    problems = verdict(results)
    if (problem := cost.problem()) is not None:
        problems.append(problem)
    if problems:
        print("Targets MISSED:\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    print(
        f"Targets met: ≤ {MAX_CALLS_PER_READING} calls per new reading in all"
        f" (≤ {MAX_GLUCOSE_CALLS_PER_READING} for glucose alone), p95 lag"
        f" ≤ {MAX_P95_LAG:.0f} s at every delay, first reading after a stall"
        f" within {MAX_STALL_LAG / 60:.0f} min, no reading missed."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
