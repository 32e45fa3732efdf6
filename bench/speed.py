"""Speed budget of ``advisor recommend`` (issue 5): prints ms, ratios and PASS/FAIL.

1. ``advisor recommend --task chat --json`` and a translation request, each run N times in fresh
   subprocesses (warm catalog cache), against ``python -c pass``: median wall time, budget
   0.25 s each.
2. Ranking 10,000 synthetic catalog entries in-process (copies of the catalog's chat and
   text-generation models with their own ids, licences and scores): budget 1 s.
3. Peak RSS of the CLI subprocess (``resource.getrusage(RUSAGE_CHILDREN)``): budget 200 MB.

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


def _time(argv: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _synthetic_rank() -> tuple[float, int]:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("ADVISOR_HOME", tempfile.mkdtemp(prefix="advisor-bench-"))
    py = sys.executable
    ok = True
    subprocess.run([py, "-m", "advisor", *REQUESTS["chat"]], env=env, stdout=subprocess.DEVNULL)
    base = _time([py, "-c", "pass"], args.runs, env)
    print(f"python -c pass: {base * 1000:.0f} ms")
    for name, argv in REQUESTS.items():
        t = _time([py, "-m", "advisor", *argv], args.runs, env)
        verdict = "PASS" if t < CLI_BUDGET_S else "FAIL"
        ok &= t < CLI_BUDGET_S
        print(
            f"recommend {name} --json: {t * 1000:.0f} ms ({t / base:.1f}x python -c pass)"
            f"  budget {CLI_BUDGET_S * 1000:.0f} ms  {verdict}"
        )
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdict = "PASS" if rss_mb < RSS_BUDGET_MB else "FAIL"
    ok &= rss_mb < RSS_BUDGET_MB
    print(f"peak RSS of a CLI run: {rss_mb:.0f} MB  budget {RSS_BUDGET_MB:.0f} MB  {verdict}")
    elapsed, entries = _synthetic_rank()
    verdict = "PASS" if elapsed < RANK_BUDGET_S else "FAIL"
    ok &= elapsed < RANK_BUDGET_S
    print(
        f"rank {entries:,} synthetic entries: {elapsed * 1000:.0f} ms"
        f" ({elapsed / base:.1f}x python -c pass)  budget {RANK_BUDGET_S * 1000:.0f} ms  {verdict}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
