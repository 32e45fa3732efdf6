"""Reproduce published measurements through the public estimator API and report the error.

Reads ``cases.jsonl`` (and ``configs/ORG__NAME/config.json``) from the ground-truth folder:
``$ADVISOR_GROUND_TRUTH``, else ``../shared/ground-truth`` next to the repository. Prints one
line per usable row (id, model, phase, method, measured, estimated, error %) and the median
absolute percentage error by metric, phase and method; exits 1 when the budget fails:

- median error ≤ 5 % for inference memory and ≤ 15 % for training memory;
- no memory row off by more than 2×;
- median error ≤ 20 % for decode tokens/s.

Usage: ``python bench/accuracy.py [--ground-truth DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.estimate import estimate
from advisor.models.arch import ArchType, ModelArch
from advisor.models.estimate import (
    EstimateSetup,
    Method,
    Mode,
    Optimizer,
    Precision,
    Runtime,
    parse_precision,
)
from advisor.models.hardware import GpuInfo, Vendor

BUDGET_MEDIAN = {"inference/peak_mem_bytes": 0.05, "training/peak_mem_bytes": 0.15}
BUDGET_DECODE = 0.20
MAX_RATIO = 2.0


@dataclass(frozen=True)
class Row:
    """One compared measurement."""

    id: str
    model: str
    phase: str
    method: str
    metric: str
    measured: float
    estimated: float | None
    note: str = ""

    @property
    def error(self) -> float | None:
        """Signed relative error (estimate / measured − 1)."""
        if self.estimated is None or not self.measured:
            return None
        return self.estimated / self.measured - 1


def default_root() -> Path:
    """``$ADVISOR_GROUND_TRUTH`` or ``../shared/ground-truth`` beside the repository root."""
    env = os.environ.get("ADVISOR_GROUND_TRUTH")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "ground-truth"


def _arch(case: dict[str, Any], root: Path) -> ModelArch:
    model_id = case.get("model_id")
    if model_id:
        cfg = root / "configs" / model_id.replace("/", "__") / "config.json"
        if cfg.is_file():
            from advisor.estimate.config import arch_from_config, load_config

            try:
                arch = arch_from_config(load_config(cfg), source=str(cfg))
                facts = case["arch"]
                if facts.get("params"):
                    # The case's count is for the exact head the source ran (e.g. a classifier).
                    arch = arch.model_copy(update={"params_total": int(facts["params"])})
                return arch
            except AdvisorError:
                pass
    return _arch_from_facts(case["arch"])


def _arch_from_facts(a: dict[str, Any]) -> ModelArch:
    h, layers, inter = (
        a["hidden_size"],
        a["num_layers"],
        a.get("mlp_branch_width") or a["intermediate_size"],
    )
    heads, kvh = a["num_attention_heads"], a.get("num_key_value_heads") or a["num_attention_heads"]
    hd = a.get("head_dim") or h // heads
    vocab = a.get("vocab_size") or 0
    tied = bool(a.get("tie_word_embeddings"))
    attn = h * hd * (heads + 2 * kvh) + heads * hd * h
    emb = vocab * h * (1 if tied else 2)
    params = a.get("params")
    gated = True
    if params:
        two, three = attn + 2 * h * inter, attn + 3 * h * inter
        gated = abs(layers * three + emb - params) < abs(layers * two + emb - params)
    else:
        gated = False
        params = layers * (attn + 2 * h * inter) + emb
    return ModelArch(
        arch_type=ArchType(a.get("architecture_type") or "decoder"),
        num_layers=layers,
        hidden_size=h,
        intermediate_size=inter,
        num_attention_heads=heads,
        num_key_value_heads=kvh,
        head_dim=hd,
        vocab_size=vocab or None,
        tie_word_embeddings=tied,
        params_total=int(params),
        params_embedding=emb,
        params_lm_head=0 if tied else vocab * h,
        gated_mlp=gated,
    )


def _precision(text: str) -> Precision:
    t = text.lower()
    if "gguf" in t:
        return parse_precision(t.split()[0])
    if "gptq" in t:
        return Precision.GPTQ_INT4
    if "awq" in t:
        return Precision.AWQ_INT4
    if "nf4-dq" in t:
        return Precision.NF4
    if "nf4" in t or "4-bit" in t or "4bit" in t:
        return Precision.INT4  # bitsandbytes 4-bit without double quantization
    if "int8" in t:
        return Precision.INT8
    for name in ("fp32", "bf16", "fp16", "fp8"):
        if t.startswith(name):
            return Precision(name)
    return Precision.BF16


def _optimizer(text: str | None) -> Optimizer:
    t = (text or "adamw").lower()
    if "adafactor" in t:
        return Optimizer.ADAFACTOR
    if "8bit" in t or "8-bit" in t:
        return Optimizer.PAGED_ADAMW_8BIT if "paged" in t else Optimizer.ADAMW_8BIT
    if "paged" in t:
        return Optimizer.PAGED_ADAMW
    if "sgd" in t:
        return Optimizer.SGD
    return Optimizer.ADAMW


def _runtime(text: str | None) -> Runtime:
    t = (text or "").lower()
    if "vllm" in t:
        return Runtime.VLLM
    if "llama.cpp" in t:
        return Runtime.LLAMA_CPP
    if "fastertransformer" in t or "tensorrt" in t:
        return Runtime.TENSORRT_LLM
    return Runtime.TRANSFORMERS


def _targets(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    if "(all)" in text:
        return ("all-linear", "head") if "head" in text else ("all-linear",)
    return tuple(t.strip() for t in text.split("(")[0].split(",") if t.strip())


def setup_for(case: dict[str, Any]) -> EstimateSetup:
    """The ``EstimateSetup`` a case's ``inputs`` describe."""
    i = case["inputs"]
    training = case["phase"] == "training"
    method = (
        Method(i["method"])
        if training and i["method"] in {m.value for m in Method}
        else Method.FULL
    )
    precision = _precision(i.get("weight_precision") or "bf16")
    mixed = bool(i.get("mixed_precision")) or "autocast" in (i.get("weight_precision") or "")
    if training:
        seq = i.get("seq_len") or 512
        gen = 0
    elif i.get("mode") == "weights_only":
        seq, gen = 1, 0
    else:
        seq = i.get("prompt_tokens") or i.get("seq_len") or 16
        gen = i.get("generated_tokens") or 0
    gpus = i.get("num_gpus") or 1
    return EstimateSetup(
        mode=Mode.TRAINING if training else Mode.INFERENCE,
        method=method,
        precision=precision,
        mixed_precision=mixed and training,
        optimizer=_optimizer(i.get("optimizer")),
        batch=max(i.get("batch_size") or 1, 1),
        seq=max(seq, 1),
        gen=gen,
        gradient_checkpointing=bool(i.get("gradient_checkpointing")),
        flash_attention=bool(i.get("flash_attention"))
        if training
        else i.get("flash_attention") is not False,
        lora_rank=i.get("lora_rank") or 16,
        lora_targets=_targets(i.get("lora_targets")),
        runtime=_runtime(i.get("framework")),
        gpus=gpus,
        zero=i.get("zero_stage") if training else None,
        tensor_parallel=i.get("tensor_parallel") or 1,
    )


def gpu_for(case: dict[str, Any]) -> GpuInfo | None:
    """The case's accelerator as a what-if ``GpuInfo``."""
    hw = case.get("hardware")
    if not hw:
        return None
    apple = "apple" in hw["gpu_name"].lower()
    return GpuInfo(
        name=hw["gpu_name"],
        vendor=Vendor.APPLE if apple else Vendor.NVIDIA,
        count=hw.get("gpu_count") or 1,
        memory_bytes=hw.get("gpu_memory_bytes"),
        unified_memory=apple,
        source="what-if",
        memory_bandwidth_bytes_per_s=hw.get("memory_bandwidth_bytes_per_s"),
        bf16_tflops=hw.get("bf16_tflops") or hw.get("fp16_tflops"),
    )


def compare(case: dict[str, Any], root: Path) -> Row:
    """Run one case through ``estimate`` and pair the estimate with the measurement."""
    setup = setup_for(case)
    est = estimate(_arch(case, root), setup, gpu=gpu_for(case), model_id=case.get("model_id"))
    metric = case["metric"]
    value: float | None
    if metric == "peak_mem_bytes":
        value = float(est.memory.total_bytes)
        if case.get("includes_cuda_context") is False:
            value -= est.memory.breakdown.overhead_bytes
        if case.get("per_device") is False:
            value *= est.memory.devices
    elif metric == "decode_tokens_per_s":
        value = est.throughput.decode_tokens_per_s
    else:
        value = est.throughput.train_tokens_per_s
        if value is not None and case.get("per_device"):
            value /= setup.gpus
    return Row(
        id=case["id"],
        model=(case.get("model_id") or "?").split("/")[-1],
        phase=case["phase"],
        method=setup.method.value if setup.mode is Mode.TRAINING else setup.precision.value,
        metric=metric,
        measured=float(case["value"]),
        estimated=value,
    )


def load_cases(root: Path) -> list[dict[str, Any]]:
    """Usable rows of ``cases.jsonl`` with a metric the estimators produce."""
    rows = []
    with (root / "cases.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                case = json.loads(line)
                if case.get("usable") and case["metric"] != "fits_in_bytes":
                    rows.append(case)
    return rows


def run(root: Path) -> tuple[list[Row], list[str]]:
    """All compared rows and the budget failures (empty when within budget)."""
    rows = [compare(c, root) for c in load_cases(root)]
    failures: list[str] = []
    for key, limit in BUDGET_MEDIAN.items():
        phase, metric = key.split("/")
        errs = [
            abs(r.error)
            for r in rows
            if r.phase == phase and r.metric == metric and r.error is not None
        ]
        if errs and statistics.median(errs) > limit:
            failures.append(f"{key}: median error {statistics.median(errs):.1%} > {limit:.0%}")
    decode = [
        abs(r.error) for r in rows if r.metric == "decode_tokens_per_s" and r.error is not None
    ]
    if decode and statistics.median(decode) > BUDGET_DECODE:
        failures.append(f"decode tokens/s: median error {statistics.median(decode):.1%} > 20%")
    for r in rows:
        if r.metric == "peak_mem_bytes" and r.error is not None:
            ratio = r.estimated / r.measured if r.estimated else float("inf")
            if ratio > MAX_RATIO or ratio < 1 / MAX_RATIO:
                failures.append(f"{r.id}: off by {ratio:.2f}×")
    return rows, failures


def _fmt(metric: str, v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v / 2**30:.2f} GiB" if metric == "peak_mem_bytes" else f"{v:.1f}/s"


def report(rows: list[Row]) -> str:
    """The per-row table and the medians, as text."""
    lines = [
        f"{'id':6} {'model':26} {'phase':9} {'method':10} {'metric':20}"
        f" {'measured':>12} {'estimated':>12} {'error':>8}"
    ]
    for r in rows:
        err = "n/a" if r.error is None else f"{r.error:+.1%}"
        lines.append(
            f"{r.id:6} {r.model[:26]:26} {r.phase:9} {r.method[:10]:10} {r.metric[:20]:20}"
            f" {_fmt(r.metric, r.measured):>12} {_fmt(r.metric, r.estimated):>12} {err:>8}"
        )
    lines.append("")
    groups: dict[str, list[float]] = {}
    for r in rows:
        if r.error is None:
            continue
        for key in (f"{r.phase}/{r.metric}", f"{r.phase}/{r.metric}/{r.method}"):
            groups.setdefault(key, []).append(abs(r.error))
    for key in sorted(groups):
        errs = groups[key]
        lines.append(
            f"median |error| {key:50} {statistics.median(errs):6.1%}"
            f"  (n={len(errs)}, max {max(errs):.1%})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the table; 0 within budget, 1 outside it, 2 without ground truth."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ground-truth", type=Path, default=None)
    args = parser.parse_args(argv)
    root: Path = args.ground_truth or default_root()
    if not (root / "cases.jsonl").is_file():
        print(
            f"ground truth not found: {root / 'cases.jsonl'} is missing"
            " (set ADVISOR_GROUND_TRUTH or pass --ground-truth DIR)",
            file=sys.stderr,
        )
        return 2
    rows, failures = run(root)
    print(report(rows))
    if failures:
        print("\nBUDGET FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("\nwithin budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
