"""Mutation tests for the recommendation recipes (issue 11).

Each mutant moves one thing the advice depends on: every data-size boundary in
``catalog/policy/policy.toml`` (ladder rungs, setting buckets, model-size lines) by one, the
epoch clamp, each boundary comparison in the recipe code, the ranking direction, and the fit
headroom. For each, the file is changed, the pinning tests run, and the file is put back. A
mutant that no test notices *survives*; the script lists survivors and exits 1 if there are any.

Run: ``python scripts/mutants.py [-k SUBSTRING] [--list]`` from the repository root.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = "catalog/policy/policy.toml"
RANKING = "catalog/recommend/ranking.toml"
PINS = ["tests/unit/recommend/test_pins.py", "tests/unit/recommend/test_settings.py"]


@dataclass(frozen=True)
class Mutant:
    """Replace the ``index``-th match of ``pattern`` in ``path`` with ``new``."""

    name: str
    path: str
    pattern: str
    new: str
    index: int = 0

    def apply(self, text: str) -> str:
        matches = list(re.finditer(self.pattern, text, flags=re.M))
        if len(matches) <= self.index:
            raise SystemExit(f"mutant {self.name}: pattern not found in {self.path}")
        m = matches[self.index]
        return text[: m.start()] + m.expand(self.new) + text[m.end() :]


def _number_mutants(path: str, key: str, values: list[int], label: str) -> list[Mutant]:
    """±1 on each occurrence of ``key = N`` (N > 0)."""
    out: list[Mutant] = []
    text = (ROOT / path).read_text()
    for i, m in enumerate(re.finditer(rf"^{key} = ([0-9_]+)$", text, flags=re.M)):
        n = int(m.group(1).replace("_", ""))
        if n == 0:
            continue
        for delta in (-1, 1):
            if n + delta <= 0:
                continue
            out.append(Mutant(f"{label} #{i} {n}{delta:+d}", path, rf"^{key} = [0-9_]+$",
                              f"{key} = {n + delta}", i))  # fmt: skip
    del values
    return out


def mutants() -> list[Mutant]:
    """Every mutant, named."""
    out = _number_mutants(POLICY, "min_examples", [], "ladder rung")
    for i, n in enumerate((1000, 10000, 100000)):
        for d in (-1, 1):
            values = [1000, 10000, 100000]
            values[i] = n + d
            out.append(Mutant(f"bucket boundary {n}{d:+d}", POLICY, r"^bucket_upper = .*$",
                              f"bucket_upper = {values}"))  # fmt: skip
    for key in ("large_model_params", "adapter_large_params", "cpu_train_max_params"):
        out += _number_mutants(POLICY, key, [], key)
    out += [
        Mutant("LLM max_epochs 5->4", POLICY, r"^max_epochs = 5$", "max_epochs = 4", 1),
        Mutant("encoder min_epochs 2->3", POLICY, r"^min_epochs = 2$", "min_epochs = 3", 0),
        Mutant("encoder max_epochs 20->19", POLICY, r"^max_epochs = 20$", "max_epochs = 19", 0),
        Mutant("no epoch clamp", "advisor/recommend/settings.py",
               r"min\(max\(epochs_raw, recipe\.min_epochs\), recipe\.max_epochs\)", "epochs_raw"),
        Mutant("no upper epoch clamp", "advisor/recommend/settings.py",
               r"min\(max\(epochs_raw, recipe\.min_epochs\), recipe\.max_epochs\)",
               "max(epochs_raw, recipe.min_epochs)"),
        Mutant("no lower epoch clamp", "advisor/recommend/settings.py",
               r"min\(max\(epochs_raw, recipe\.min_epochs\), recipe\.max_epochs\)",
               "min(epochs_raw, recipe.max_epochs)"),
        Mutant("bucket >= becomes >", "advisor/recommend/policy_data.py",
               r"if examples >= upper", "if examples > upper"),
        Mutant("rung <= becomes <", "advisor/recommend/strategy.py",
               r"rung\.min_examples <= examples", "rung.min_examples < examples"),
        Mutant("large model >= becomes >", "advisor/recommend/strategy.py",
               r"model_params >= gen\.large_model_params", "model_params > gen.large_model_params"),
        Mutant("CPU training > becomes >=", "advisor/recommend/strategy.py",
               r"model_params > (gen\.cpu_train_max_params)", r"model_params >= \1"),
        Mutant("adapter lr > becomes >=", "advisor/recommend/settings.py",
               r"model_params > (gen\.adapter_large_params)", r"model_params >= \1"),
        Mutant("ranking: worst score first", "advisor/recommend/rank.py",
               r"return \(-parts\.total, not reviewed, model_id\)",
               "return (parts.total, not reviewed, model_id)"),
        Mutant("ranking: plans that miss the goal first", "advisor/recommend/pipeline.py",
               r"\(not c\.serves_goal, \*_order\(c\)\)", "(c.serves_goal, *_order(c))"),
        Mutant("LoRA fit decided at the data's rank", "advisor/recommend/plan.py",
               r"smallest = min\(recipe\.lora_rank\)",
               "smallest = first.lora.rank if first and first.lora else min(recipe.lora_rank)"),
        Mutant("GPU headroom 10% -> 5%", RANKING, r"^(gpu_headroom =) 0\.10$", r"\1 0.05"),
        Mutant("GPU headroom 10% -> 15%", RANKING, r"^(gpu_headroom =) 0\.10$", r"\1 0.15"),
        Mutant("training fit ignores headroom", "advisor/recommend/train_fit.py",
               r"if need <= device\.budget_bytes and host <= host_budget:",
               "if need <= device.memory_bytes and host <= host_budget:"),
    ]  # fmt: skip
    return out


def killed(m: Mutant) -> bool:
    """Apply ``m``, run the pins, restore; True when a test failed."""
    file = ROOT / m.path
    original = file.read_text()
    file.write_text(m.apply(original))
    try:
        env = {**os.environ, "ADVISOR_HOME": tempfile.mkdtemp(), "PYTHONDONTWRITEBYTECODE": "1"}
        run = subprocess.run(
            [sys.executable, "-B", "-m", "pytest", "-q", "-x", "-p", "no:xdist", "-p",
             "no:cacheprovider", *PINS],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        return run.returncode != 0
    finally:
        file.write_text(original)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", help="run the mutants whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args()
    chosen = [m for m in mutants() if not args.k or args.k in m.name]
    if args.list:
        for m in chosen:
            print(f"{m.name}  ({m.path})")
        return 0
    survivors = []
    for m in chosen:
        ok = killed(m)
        print(f"{'killed  ' if ok else 'SURVIVED'}  {m.name}  ({m.path})", flush=True)
        if not ok:
            survivors.append(m)
    print(f"{len(chosen) - len(survivors)} of {len(chosen)} mutants killed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
