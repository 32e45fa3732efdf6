"""Our own calibration rows (``tests/fixtures/calibration/*.csv``, written by
``bench/calibrate_gpu.py`` on a lent GPU) against the estimators, reported apart from the
published ground truth. Memory rows compare with ``max_memory_allocated`` (tensors only, so
the estimate's overhead is left out; the script's training loop frees gradients with
``zero_grad(set_to_none=True)`` and does not accumulate, so ``gradients_freed``); decode rows with
Transformers' eager model."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CALIBRATION = REPO / "tests" / "fixtures" / "calibration"


def compare_row(row: dict[str, str]) -> tuple[str, float, float | None]:
    """(label, measured, estimated) of one ok calibration row."""
    from advisor.estimate import estimate
    from advisor.estimate.config import arch_from_config, load_config
    from advisor.models.estimate import EstimateSetup, Method, Mode, Precision
    from advisor.models.hardware import GpuInfo
    from advisor.whatif import parse_gpu_expr

    arch = arch_from_config(load_config(REPO / row["config"]))
    kind = row["kind"]
    batch, seq, gen = int(row["batch"]), int(row["seq"]), int(row["gen"] or 0)
    if kind == "train":
        setup = EstimateSetup(mode=Mode.TRAINING, method=Method(row["method"]),
                              precision=Precision.BF16, batch=batch, seq=seq,
                              gradient_checkpointing=row["checkpointing"] == "True",
                              gradients_freed=True)  # fmt: skip  # set_to_none, no accumulation
    else:
        setup = EstimateSetup(batch=batch, seq=seq, gen=gen, precision=Precision.BF16)
    info = None
    if kind == "decode":
        spec = parse_gpu_expr(row["gpu"].replace("NVIDIA ", ""))[0]
        info = GpuInfo(name=spec.name, vendor=spec.vendor, count=1, source="what-if",
                       memory_bytes=spec.memory_bytes, bf16_tflops=spec.tensor_tflops,
                       memory_bandwidth_bytes_per_s=spec.memory_bandwidth_bytes_per_s)  # fmt: skip
    est = estimate(arch, setup, gpu=info)
    label = f"{row['model'][:28]} {kind} {row['method'] or row['cache']} b{batch} s{seq}"
    if kind == "decode":
        return label, float(row["tokens_per_s"]), est.throughput.decode_tokens_per_s
    value = est.memory.total_bytes - est.memory.breakdown.overhead_bytes
    return label, float(row["peak_allocated_bytes"]), float(value)


def report(folder: Path = CALIBRATION) -> str:
    """Per-row and median error of our own measurements, or a line saying there are none."""
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    rows = []
    for f in files:
        with f.open(encoding="utf-8") as fh:
            rows += [r for r in csv.DictReader(fh) if r["status"] == "ok"]
    if not rows:
        return "\nown calibration rows: none yet (run bench/calibrate_gpu.py on a lent GPU)"
    lines = ["", f"own calibration rows ({', '.join(f.name for f in files)}):"]
    errs: dict[str, list[float]] = {}
    for row in rows:
        label, measured, estimated = compare_row(row)
        if estimated is None or not measured:
            lines.append(f"  {label:60} n/a")
            continue
        e = estimated / measured - 1
        errs.setdefault(row["kind"], []).append(abs(e))
        lines.append(f"  {label:60} {e:+.1%}")
    for kind, v in sorted(errs.items()):
        lines.append(f"  median |error| {kind}: {statistics.median(v):.1%} (n={len(v)})")
    return "\n".join(lines)
