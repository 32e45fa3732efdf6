"""Measure our own ground truth on a lent CUDA GPU: peak memory and decode speed of real
architectures with random weights (built from their config.json, nothing downloaded).

Per model (configs from ``tests/fixtures/ground-truth/configs``):

- inference: prefill + 32 generated tokens at several batch x prompt sizes, peak
  ``torch.cuda.max_memory_allocated`` and ``max_memory_reserved``;
- decode: tokens/s of ``generate`` at batch 1 with the dynamic cache (eager) and with
  ``cache_implementation="static"``;
- training: two optimizer steps (torch AdamW, pure bf16) for full fine-tuning and LoRA (peft,
  all linear layers, r=16, dropout 0.05), each with and without gradient checkpointing.

Each measurement is appended to the CSV (``tests/fixtures/calibration/<gpu>.csv``) as soon as
it is taken, with the GPU, library versions and settings, so a run cut short still leaves its
rows. ``--budget-s`` (default 480) stops starting new measurements once spent.
``bench/accuracy.py`` reports these rows separately from the published ones.

``--dry-run`` needs no torch and no GPU: it walks the same plan, reads the configs, writes
rows marked ``dry-run`` (no numbers) to ``--out`` and checks the plan fits the budget on the
cost guesses below, so the script is tested before device time is spent.

Usage: ``python bench/calibrate_gpu.py [--dry-run] [--out FILE] [--budget-s S]``
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "tests" / "fixtures" / "ground-truth" / "configs"
OUT_DIR = REPO / "tests" / "fixtures" / "calibration"

MODELS = (
    "TinyLlama__TinyLlama-1.1B-intermediate-step-1431k-3T",
    "Qwen__Qwen2.5-Coder-3B",
    "meta-llama__Llama-2-7b-hf",
)
"""Three sizes from real configs (1.1B, 3B, 7B); full fine-tuning only below 4B params so the
7B's AdamW state is not what the budget is spent on."""

INFERENCE_SHAPES = ((1, 512), (4, 2048))
TRAIN_SHAPE = (2, 512)
GEN_TOKENS = 32
DECODE_TOKENS = 64
COST_GUESS_S = {"inference": 6.0, "decode": 15.0, "train": 12.0, "load": 10.0}
"""Rough seconds per measurement on an H100-class GPU, used only to plan (--dry-run checks the
plan fits the budget) and to skip measurements that would not finish in time."""

FIELDS = (
    "model", "kind", "method", "batch", "seq", "gen", "checkpointing", "cache", "params",
    "peak_allocated_bytes", "peak_reserved_bytes", "tokens_per_s", "seconds", "status",
    "gpu", "torch", "transformers", "peft", "config",
)  # fmt: skip


@dataclass
class Measurement:
    """One CSV row."""

    model: str
    kind: str  # inference | decode | train
    method: str = ""
    batch: int = 1
    seq: int = 0
    gen: int = 0
    checkpointing: bool = False
    cache: str = ""
    params: int | None = None
    peak_allocated_bytes: int | None = None
    peak_reserved_bytes: int | None = None
    tokens_per_s: float | None = None
    seconds: float | None = None
    status: str = "ok"
    gpu: str = ""
    torch: str = ""
    transformers: str = ""
    peft: str = ""
    config: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def plan(model: str, params_hint: float) -> Iterator[Measurement]:
    """Every measurement of one model, cheapest first."""
    for batch, seq in INFERENCE_SHAPES:
        yield Measurement(model, "inference", batch=batch, seq=seq, gen=GEN_TOKENS)
    for cache in ("dynamic", "static"):
        yield Measurement(model, "decode", seq=128, gen=DECODE_TOKENS, cache=cache)
    methods = ("lora", "full") if params_hint < 4e9 else ("lora",)
    for method in methods:
        for ckpt in (False, True):
            b, s = TRAIN_SHAPE
            yield Measurement(model, "train", method=method, batch=b, seq=s, checkpointing=ckpt)


def _params_hint(config: dict[str, Any]) -> float:
    h, layers = config.get("hidden_size", 0), config.get("num_hidden_layers", 0)
    inter, vocab = config.get("intermediate_size", 0), config.get("vocab_size", 0)
    return float(layers * (4 * h * h + 3 * h * inter) + 2 * vocab * h)


def _our_count(config: dict[str, Any], cfg_path: Path) -> int | None:
    """advisor's parameter count of the config (the dry run checks every config reads)."""
    from advisor.estimate.config import arch_from_config

    return arch_from_config(config, source=str(cfg_path)).params_total


class Writer:
    """Appends rows to a CSV, writing the header once, flushing after every row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        self.fh = path.open("a", newline="", encoding="utf-8")
        self.csv = csv.DictWriter(self.fh, fieldnames=FIELDS, extrasaction="ignore")
        if new:
            self.csv.writeheader()

    def write(self, m: Measurement) -> None:
        self.csv.writerow(asdict(m))
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()


def run(
    measure: Callable[[Measurement, dict[str, Any], Path], Measurement] | None,
    writer: Writer,
    budget_s: float,
    env: dict[str, str],
) -> list[Measurement]:
    """Walk the plan; ``measure`` None is the dry run (plan only, costs from the guesses)."""
    start = time.monotonic()
    spent_guess = 0.0
    done: list[Measurement] = []
    for name in MODELS:
        cfg_path = CONFIGS / name / "config.json"
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
        spent_guess += COST_GUESS_S["load"]
        for m in plan(name, _params_hint(config)):
            m.config = str(cfg_path.relative_to(REPO))
            for key, value in env.items():
                setattr(m, key, value)
            cost = COST_GUESS_S[m.kind]
            elapsed = spent_guess if measure is None else time.monotonic() - start
            if elapsed + cost > budget_s:
                m.status = "skipped: budget"
            elif measure is None:
                m.status = "dry-run"
                m.params = _our_count(config, cfg_path)
                spent_guess += cost
            else:
                try:
                    m = measure(m, config, cfg_path)
                except Exception as exc:  # a failed measurement must not lose the others
                    m.status = f"error: {type(exc).__name__}: {str(exc)[:120]}"
            writer.write(m)
            done.append(m)
    return done


def main(argv: list[str] | None = None) -> int:
    """Dry run or real run; 0 when every planned row was written."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--dry-run", action="store_true", help="plan and write rows without torch")
    p.add_argument("--out", type=Path, default=None, help="CSV to append to")
    p.add_argument("--budget-s", type=float, default=480.0)
    args = p.parse_args(argv)
    if args.dry_run:
        out = args.out or Path("calibration-dry-run.csv")
        writer = Writer(out)
        rows = run(None, writer, args.budget_s, {"gpu": "dry-run"})
        writer.close()
        planned = sum(r.status == "dry-run" for r in rows)
        print(f"dry run: {planned} of {len(rows)} measurements fit {args.budget_s:.0f} s;"
              f" rows in {out}")  # fmt: skip
        return 0 if planned == len(rows) else 1
    from bench.calibrate_torch import environment, measure  # torch only on the real run

    env = environment()
    out = args.out or OUT_DIR / f"{env['gpu'].replace(' ', '_')}.csv"
    writer = Writer(out)
    rows = run(measure, writer, args.budget_s, env)
    writer.close()
    ok = sum(r.status == "ok" for r in rows)
    print(f"{ok} of {len(rows)} measurements ok; rows in {out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
