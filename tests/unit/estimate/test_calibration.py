"""bench/calibrate_gpu.py prepared on CPU: the dry run walks the whole plan without torch, and
its rows feed bench/accuracy.py's report of our own measurements."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[3]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(REPO))
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_dry_run_plans_every_measurement_within_budget(tmp_path: Path) -> None:
    cal = _load("calibrate_gpu")
    out = tmp_path / "rows.csv"
    assert cal.main(["--dry-run", "--out", str(out)]) == 0
    rows = _rows(out)
    assert {r["status"] for r in rows} == {"dry-run"}
    kinds = {(r["model"], r["kind"], r["method"], r["checkpointing"]) for r in rows}
    for model in cal.MODELS:
        assert (model, "train", "lora", "True") in kinds
        assert (model, "decode", "", "False") in kinds
    tiny = next(r for r in rows if r["model"].startswith("TinyLlama"))
    assert 1.0e9 < int(tiny["params"]) < 1.2e9  # the 1.1B model, read from its real config
    assert "torch" not in sys.modules


def test_a_short_budget_marks_rows_skipped_and_fails(tmp_path: Path) -> None:
    cal = _load("calibrate_gpu")
    out = tmp_path / "rows.csv"
    assert cal.main(["--dry-run", "--out", str(out), "--budget-s", "60"]) == 1
    statuses = [r["status"] for r in _rows(out)]
    assert "dry-run" in statuses and "skipped: budget" in statuses


def test_own_rows_are_reported_apart(tmp_path: Path) -> None:
    compare = _load("calibration_compare")
    row = {
        "model": "TinyLlama", "kind": "train", "method": "lora", "batch": "2", "seq": "512",
        "gen": "0", "checkpointing": "True", "cache": "", "status": "ok", "gpu": "H100",
        "peak_allocated_bytes": str(4 * 2**30), "tokens_per_s": "",
        "config": "tests/fixtures/ground-truth/configs/"
        "TinyLlama__TinyLlama-1.1B-intermediate-step-1431k-3T/config.json",
    }  # fmt: skip
    with (tmp_path / "H100.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
        w.writerow({**row, "status": "error: OOM"})
    text = compare.report(tmp_path)
    assert "own calibration rows (H100.csv)" in text
    assert "median |error| train" in text and "(n=1)" in text
    assert "none yet" in compare.report(tmp_path / "missing")
