"""Reproduce published measurements through the public estimator API and report the error.

Reads ``cases.jsonl`` (and ``configs/ORG__NAME/config.json``) from the ground-truth folder:
``$ADVISOR_GROUND_TRUTH``, else ``../shared/ground-truth`` next to the repository. Prints one
line per usable row (id, model, phase, method, measured, estimated, error %) and the median
absolute percentage error by metric, phase and method; exits 1 when the budget fails:

- median error ≤ 3 % for inference memory and ≤ 10 % for training memory;
- median error ≤ 15 % for decode tokens/s, all judged leave-one-publication-out (each
  publication's rows estimated with the decode constants refitted without it, see
  ``bench/fitting.py``); no memory or decode row off by 2× or more.

It also prints the median and worst error per publication and per runtime, the fitted decode
constants with the rows they were fitted on, and every row left out with the reason.

Usage: ``python bench/accuracy.py [--ground-truth DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
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
from bench.accuracy_report import budget_failures, fitted_constants, report
from bench.calibration_compare import report as calibration_report
from bench.fitting import DecodeRow


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
    group: str = ""
    runtime: str = ""
    lopo: float | None = None
    """The estimate with every constant refitted without this row's publication."""

    @property
    def error(self) -> float | None:
        """Signed relative error (estimate / measured − 1)."""
        if self.estimated is None or not self.measured:
            return None
        return self.estimated / self.measured - 1

    @property
    def lopo_error(self) -> float | None:
        """Signed relative error leaving this row's publication out of every fit."""
        value = self.estimated if self.lopo is None else self.lopo
        if value is None or not self.measured:
            return None
        return value / self.measured - 1


def default_root() -> Path:
    """``$ADVISOR_GROUND_TRUTH`` or ``../shared/ground-truth`` beside the repository root."""
    env = os.environ.get("ADVISOR_GROUND_TRUTH")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parent.parent
    shared = repo.parent / "shared" / "ground-truth"
    return shared if shared.is_dir() else repo / "tests" / "fixtures" / "ground-truth"


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


def _catalog_bandwidth(name: str) -> float | None:
    """Datasheet bandwidth of a GPU the case names but gives no figure for (e.g. "A100 80GB
    (form factor not stated)": the catalog's plain A100 80GB, the SXM part)."""
    from advisor.whatif import parse_gpu_expr

    try:
        spec, _ = parse_gpu_expr(name.split("(")[0].strip())
    except AdvisorError:
        return None
    return spec.memory_bandwidth_bytes_per_s


def gpu_for(case: dict[str, Any]) -> GpuInfo | None:
    """The case's accelerator as a what-if ``GpuInfo``."""
    hw = case.get("hardware")
    if not hw:
        return None
    apple = "apple" in hw["gpu_name"].lower()
    bandwidth = hw.get("memory_bandwidth_bytes_per_s") or _catalog_bandwidth(hw["gpu_name"])
    return GpuInfo(
        name=hw["gpu_name"],
        vendor=Vendor.APPLE if apple else Vendor.NVIDIA,
        count=hw.get("gpu_count") or 1,
        memory_bytes=hw.get("gpu_memory_bytes"),
        unified_memory=apple,
        source="what-if",
        memory_bandwidth_bytes_per_s=bandwidth,
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
        group=case.get("source_group") or "?",
        runtime=_runtime_label(case, setup),
    )


def _runtime_label(case: dict[str, Any], setup: EstimateSetup) -> str:
    framework = (case["inputs"].get("framework") or "").lower()
    if setup.mode is Mode.TRAINING:
        return framework.split()[0] if framework else "unstated"
    return "litgpt (eager)" if "litgpt" in framework else setup.runtime.value


def decode_rows(root: Path) -> list[DecodeRow]:
    """The usable decode rows as the fit sees them (``bench/fitting.py``)."""
    from advisor.estimate import decode_step_terms

    out = []
    for case in load_cases(root):
        if case["metric"] != "decode_tokens_per_s":
            continue
        setup, gpu = setup_for(case), gpu_for(case)
        terms = None if gpu is None else decode_step_terms(_arch(case, root), setup, gpu)
        if terms is not None:
            out.append(DecodeRow(case["id"], case["source_group"], setup.runtime, terms,
                                 setup.batch / float(case["value"])))  # fmt: skip
    return out


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


def dropped(root: Path) -> list[str]:
    """The rows left out, each with the reason."""
    out = []
    with (root / "cases.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            case = json.loads(line)
            if not case.get("usable"):
                reason = (case.get("notes") or "").split("UNUSABLE:")[-1].strip()
                out.append(f"{case['id']}: marked unusable: {reason[:110]}")
            elif case["metric"] == "fits_in_bytes":
                out.append(f"{case['id']}: fits_in_bytes (a capacity, not an estimate output)")
    return out


def with_lopo(rows: list[Row], root: Path) -> list[Row]:
    """``rows`` with each decode row's leave-one-publication-out estimate: every decode
    constant refitted on the other publications (a runtime left without rows falls back to its
    documented default). Memory constants are documented framework behaviour, fitted on no
    row, so their LOPO estimate is the estimate itself."""
    from dataclasses import replace as _replace

    from advisor.estimate.decode import step_seconds
    from bench.fitting import fit

    decode = decode_rows(root)
    by_id = {r.id: r for r in decode}
    refits = {g: fit(r for r in decode if r.group != g) for g in {r.group for r in decode}}
    out = []
    for row in rows:
        d = by_id.get(row.id)
        if d is not None:
            model = refits[d.group][d.runtime]
            row = _replace(row, lopo=d.terms.batch / step_seconds(d.terms, model))
        out.append(row)
    return out


def run(root: Path) -> tuple[list[Row], list[str]]:
    """All compared rows (with LOPO estimates) and the budget failures (empty when within)."""
    rows = with_lopo([compare(c, root) for c in load_cases(root)], root)
    return rows, budget_failures(rows)


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
    print(fitted_constants(root))
    print(calibration_report())
    print("\nrows left out:\n  " + "\n  ".join(dropped(root)))
    if failures:
        print("\nBUDGET FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("\nwithin budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
