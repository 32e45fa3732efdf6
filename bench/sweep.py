"""The whole recommendation sweep (issue 11): real catalog × 8 machines × every task, goal and
data unit, on a data ladder from 0 to 10M with every policy boundary and its neighbours.

Prints the sweep's size (requests × profiles, reports run) and every violation of the promises
``advisor.recommend.sweep`` checks (ambition never steps back as data grows, settings never
less regularised with less data, headline = top pick's plan, each row's plan coherent, "does
not fit" only when it does not). Exit status 1 when any promise is broken.

Run: ``python bench/sweep.py [--task T ...] [--goal G ...] [--sample N --seed S]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter


def main() -> int:
    from advisor.catalog import load_catalog
    from advisor.models.request import Goal
    from advisor.models.task import Task
    from advisor.recommend.sweep import PROFILES, SweepResult, cases, run_case

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", action="append", help="limit to these tasks")
    parser.add_argument("--goal", action="append", choices=[g.value for g in Goal])
    parser.add_argument("--sample", type=int, help="run this many random cases only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tasks = [Task(t) for t in args.task] if args.task else list(Task)
    goals = [Goal(g) for g in args.goal] if args.goal else list(Goal)
    catalog = load_catalog()
    chosen = cases(tasks, list(PROFILES), goals, catalog)
    if args.sample is not None and args.sample < len(chosen):
        import random

        chosen = random.Random(args.seed).sample(chosen, args.sample)
    result = SweepResult()
    start = time.perf_counter()
    for case in chosen:
        run_case(case, catalog, result)
    elapsed = time.perf_counter() - start
    print(
        f"sweep: {len(result.requests):,} requests (task × goal × unit × data size) ×"
        f" {len(result.profiles)} hardware profiles = {result.reports:,} reports"
        f" over {len({c[0] for c in chosen})} tasks, {elapsed:.0f} s"
    )
    print(f"profiles: {', '.join(sorted(result.profiles))}")
    counts = Counter(v.check for v in result.violations)
    print(f"violations: {len(result.violations)}" + (f" {dict(counts)}" if counts else ""))
    for v in result.violations:
        print(f"  [{v.check}] {v.where}: {v.detail}")
    return 1 if result.violations else 0


if __name__ == "__main__":
    sys.exit(main())
