"""Speed budget of ``advisor recommend`` (issue 5): prints ms, ratios and PASS/FAIL.

1. ``advisor recommend --task chat --json`` and a translation request, each run N times in fresh
   subprocesses (warm caches) and compared with ``python -c pass`` run as often: minimum and
   median wall time, both as ratios to ``python -c pass``; the median must stay under 0.25 s.
2. Ranking 10,000 synthetic catalog entries (copies of the catalog's chat models with their own
   ids, licences and scores), each repetition in a fresh process so that no run inherits
   another's caches: minimum and median of the ranking call alone; the median must stay under 1 s.
3. Peak RSS of the CLI subprocesses (``resource.getrusage(RUSAGE_CHILDREN)``): under 200 MB.

The CLI runs with a private ``ADVISOR_HOME`` whose caches the first (untimed) run fills, and with
bytecode writing allowed, as an installed advisor runs. The budgets were set on a 2-core machine,
the size of CI's runners; the ratios to ``python -c pass`` make runs on other machines comparable.

Run: ``python bench/speed.py [--runs N]``. Exit status 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

CLI_BUDGET_S = 0.25
RANK_BUDGET_S = 1.0
RSS_BUDGET_MB = 200.0
SYNTHETIC = 10_000

REQUESTS = {
    "chat": ["recommend", "--task", "chat", "--gpu", "RTX 4090", "--json"],
    "translation": [
        "recommend",
        "--task",
        "translation",
        "--source-lang",
        "sw",
        "--target-lang",
        "yo",
        "--cpu-only",
        "--ram",
        "8",
        "--json",
    ],
}


def _times(argv: Sequence[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall time of ``runs`` fresh runs of ``argv``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def _synthetic_rank() -> tuple[float, int]:
    """Seconds ``recommend`` takes over 10,000 synthetic entries, and how many it reported."""
    from advisor.catalog import load_catalog
    from advisor.models.catalog import QualitySignal
    from advisor.models.hardware import HardwareProfile
    from advisor.models.request import Request
    from advisor.models.task import Task
    from advisor.recommend import recommend
    from advisor.whatif import WhatIf, apply_whatif

    catalog = load_catalog()
    bases = [m for m in catalog.models if Task.CHAT in m.tasks]
    for m in bases:
        m.arch()  # the catalog's own architectures, computed once and shared by the copies
    licences = [lic.id for lic in catalog.licenses]
    models = []
    for i in range(SYNTHETIC):
        base = bases[i % len(bases)]
        signal = QualitySignal(metric="mmlu", value=40 + (i * 37) % 50, benchmark="s", source="s")
        models.append(
            base.model_copy(
                update={
                    "id": f"synthetic-{i:05d}",
                    "license": licences[i % len(licences)],
                    "quality": [signal] if i % 3 else [],
                }
            )
        )
    big = catalog.model_copy(update={"models": tuple(models)})
    hw = apply_whatif(WhatIf(gpus=["H100"]), HardwareProfile(ram_bytes=64 * 2**30))
    start = time.perf_counter()
    report = recommend(Request(task=Task.CHAT, data=5000, top=10), hw, big)
    elapsed = time.perf_counter() - start
    return elapsed, len(report.recommendations) + len(report.excluded)


def _rank_times(runs: int, env: dict[str, str]) -> tuple[list[float], int]:
    """``_synthetic_rank`` in ``runs`` fresh processes: the times and the entry count."""
    times, entries = [], 0
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--rank-once"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        times.append(float(out[0]))
        entries = int(out[1])
    return times, entries


def _line(label: str, times: list[float], base: float, budget: float) -> tuple[str, bool]:
    low, mid = min(times), statistics.median(times)
    ok = mid < budget
    text = (
        f"{label}: min {low * 1000:.0f} ms ({low / base:.1f}x), median {mid * 1000:.0f} ms"
        f" ({mid / base:.1f}x python -c pass)  budget {budget * 1000:.0f} ms"
        f"  {'PASS' if ok else 'FAIL'}"
    )
    return text, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per measurement (default 15)")
    parser.add_argument("--rank-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank_once:
        elapsed, entries = _synthetic_rank()
        print(elapsed, entries)
        return 0
    env = dict(os.environ)
    env.setdefault("ADVISOR_HOME", tempfile.mkdtemp(prefix="advisor-bench-"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed advisor has its bytecode compiled
    py = sys.executable
    for argv in REQUESTS.values():  # fill the caches and write bytecode, untimed
        subprocess.run([py, "-m", "advisor", *argv], env=env, stdout=subprocess.DEVNULL)
    base_times = _times([py, "-c", "pass"], args.runs, env)
    base = statistics.median(base_times)
    print(f"python -c pass: min {min(base_times) * 1000:.0f} ms, median {base * 1000:.0f} ms")
    ok = True
    for name, argv in REQUESTS.items():
        text, passed = _line(
            f"recommend {name} --json", _times([py, "-m", "advisor", *argv], args.runs, env),
            base, CLI_BUDGET_S,
        )  # fmt: skip
        print(text)
        ok &= passed
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdict = "PASS" if rss_mb < RSS_BUDGET_MB else "FAIL"
    ok &= rss_mb < RSS_BUDGET_MB
    print(f"peak RSS of a CLI run: {rss_mb:.0f} MB  budget {RSS_BUDGET_MB:.0f} MB  {verdict}")
    rank_times, entries = _rank_times(max(3, args.runs // 3), env)
    text, passed = _line(f"rank {entries:,} synthetic entries", rank_times, base, RANK_BUDGET_S)
    print(text)
    ok &= passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
