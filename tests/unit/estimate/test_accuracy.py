"""The accuracy budget on the published measurements (copied into tests/fixtures/ground-truth).

Runs ``bench/accuracy.py``'s comparison and asserts issue 14's targets, judged
leave-one-publication-out: median error ≤ 3 % (inference memory), ≤ 10 % (training memory),
≤ 15 % (decode tokens/s), no memory or decode row off 2×.
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
        err = r.lopo_error  # type: ignore[attr-defined]
        if err is not None:
            groups.setdefault(f"{r.phase}/{r.metric}", []).append(abs(err))  # type: ignore[attr-defined]
    return {k: statistics.median(v) for k, v in groups.items()}


def test_every_usable_row_is_estimated_within_budget() -> None:
    bench = _bench()
    rows, failures = bench.run(FIXTURE)
    assert len(rows) >= 80
    assert failures == []
    medians = _medians(rows)
    assert medians["inference/peak_mem_bytes"] <= 0.03
    assert medians["training/peak_mem_bytes"] <= 0.10
    assert medians["inference/decode_tokens_per_s"] <= 0.15
    judged = [r for r in rows if r.metric in ("peak_mem_bytes", "decode_tokens_per_s")]
    assert all(0.5 < 1 + r.lopo_error < 2.0 for r in judged if r.lopo_error is not None)
    assert [r.id for r in judged if r.estimated is None] == []


def test_lopo_refits_without_the_left_out_publication() -> None:
    # Leaving a publication out must change the estimate of rows whose runtime was fitted on
    # it alone (llama.cpp: only llamacpp-discussions), so over-fitting shows.
    bench = _bench()
    rows, _ = bench.run(FIXTURE)
    cpp = [r for r in rows if r.runtime == "llama.cpp"]
    assert cpp and all(r.lopo is not None and r.lopo != r.estimated for r in cpp)


def test_missing_ground_truth_is_reported(tmp_path: Path, capsys: object) -> None:
    bench = _bench()
    assert bench.main(["--ground-truth", str(tmp_path)]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "ground truth not found" in err
