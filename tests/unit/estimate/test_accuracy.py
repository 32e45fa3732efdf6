"""The accuracy budget on the published measurements (copied into tests/fixtures/ground-truth).

Runs ``bench/accuracy.py``'s comparison and asserts the issue's budget: median error ≤ 5 %
(inference memory), ≤ 15 % (training memory), ≤ 20 % (decode tokens/s), no memory row off 2×.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "tests" / "fixtures" / "ground-truth"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_accuracy", REPO / "bench" / "accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def _medians(rows: list[object]) -> dict[str, float]:
    groups: dict[str, list[float]] = {}
    for r in rows:
        err = r.error  # type: ignore[attr-defined]
        if err is not None:
            groups.setdefault(f"{r.phase}/{r.metric}", []).append(abs(err))  # type: ignore[attr-defined]
    return {k: statistics.median(v) for k, v in groups.items()}


def test_every_usable_row_is_estimated_within_budget() -> None:
    bench = _bench()
    rows, failures = bench.run(FIXTURE)
    assert len(rows) >= 80
    assert failures == []
    medians = _medians(rows)
    assert medians["inference/peak_mem_bytes"] <= 0.05
    assert medians["training/peak_mem_bytes"] <= 0.15
    assert medians["inference/decode_tokens_per_s"] <= 0.20
    missing = [r.id for r in rows if r.estimated is None and r.metric == "peak_mem_bytes"]
    assert missing == []


def test_missing_ground_truth_is_reported(tmp_path: Path, capsys: object) -> None:
    bench = _bench()
    assert bench.main(["--ground-truth", str(tmp_path)]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "ground truth not found" in err
