"""Tables and budgets for ``bench/accuracy.py``: per-row errors (in-sample and
leave-one-publication-out), medians and worst rows per metric, publication and runtime, the
fitted constants with the rows they were fitted on, and the issue-14 targets."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.accuracy import Row

BUDGET_MEDIAN = {
    "inference/peak_mem_bytes": 0.03,
    "training/peak_mem_bytes": 0.10,
    "inference/decode_tokens_per_s": 0.15,
}
"""Median |error| targets, judged on the leave-one-publication-out estimates."""
MAX_RATIO = 2.0
"""No memory or decode row may be off by this factor either way."""
JUDGED = ("peak_mem_bytes", "decode_tokens_per_s")


def _fmt(metric: str, v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v / 2**30:.2f} GiB" if metric == "peak_mem_bytes" else f"{v:.1f}/s"


def _pct(e: float | None) -> str:
    return "n/a" if e is None else f"{e:+.1%}"


def _summary(rows: list[Row], key: Callable[[Row], str], lopo: bool) -> list[str]:
    groups: dict[str, list[tuple[float, str]]] = {}
    for r in rows:
        e = r.lopo_error if lopo else r.error
        if e is not None:
            groups.setdefault(key(r), []).append((abs(e), r.id))
    lines = []
    for name in sorted(groups):
        errs = groups[name]
        worst = max(errs)
        lines.append(
            f"  {name:58} median {statistics.median(e for e, _ in errs):6.1%}"
            f"  worst {worst[0]:6.1%} ({worst[1]})  n={len(errs)}"
        )
    return lines


def report(rows: list[Row]) -> str:
    """The per-row table and the summaries, as text."""
    lines = [
        f"{'id':6} {'model':24} {'phase':9} {'method':10} {'runtime':15} {'metric':18}"
        f" {'measured':>11} {'estimated':>11} {'error':>7} {'LOPO':>7}"
    ]
    for r in rows:
        lines.append(
            f"{r.id:6} {r.model[:24]:24} {r.phase:9} {r.method[:10]:10} {r.runtime[:15]:15}"
            f" {r.metric[:18]:18} {_fmt(r.metric, r.measured):>11}"
            f" {_fmt(r.metric, r.estimated):>11} {_pct(r.error):>7} {_pct(r.lopo_error):>7}"
        )
    for title, key in (
        ("per metric", lambda r: f"{r.phase}/{r.metric}"),
        ("per metric and method", lambda r: f"{r.phase}/{r.metric}/{r.method}"),
        ("per publication", lambda r: f"{r.phase}/{r.metric}/{r.group}"),
        ("per runtime", lambda r: f"{r.phase}/{r.metric}/{r.runtime}"),
    ):
        lines += ["", f"in-sample |error| {title}:", *_summary(rows, key, lopo=False)]
        lines += [f"leave-one-publication-out |error| {title}:", *_summary(rows, key, True)]
    return "\n".join(lines)


def fitted_constants(root: Path) -> str:
    """The decode constants fitted on all public rows, the rows each fit used, and whether the
    shipped table (``advisor.estimate.decode.DECODE_MODELS``) matches the fit."""
    from dataclasses import replace

    from advisor.estimate.decode import DECODE_MODELS
    from bench.accuracy import decode_rows
    from bench.fitting import FITTERS, describe, fit

    decode = decode_rows(root)
    models = fit(decode)
    lines = ["", "decode constants fitted on the public rows (bench/fitting.py):"]
    lines += ["  " + line for line in describe(models)]
    for runtime in FITTERS:
        ids = [r.id for r in decode if r.runtime is runtime]
        lines.append(f"  {runtime.value}: rows {', '.join(ids) or '(none)'}")
        shipped, fitted = DECODE_MODELS[runtime], models[runtime]
        same = replace(shipped, name="", source="") == replace(fitted, name="", source="")
        close = all(
            abs(getattr(shipped, f) - getattr(fitted, f))
            <= 1e-2 * max(abs(getattr(fitted, f)), 1e-9)
            for f in (
                "efficiency",
                "unified_efficiency",
                "layer_s",
                "step_s",
                "allreduce_s",
                "bnb4_layer_s",
            )
        )
        if not (same or close):
            lines.append(f"  WARNING: shipped {runtime.value} constants differ from this fit")
    lines.append(
        "  memory constants (constants.py) model framework behaviour and are fitted on no row"
    )
    return "\n".join(lines)


def budget_failures(rows: list[Row]) -> list[str]:
    """Targets missed, judged on the LOPO estimates."""
    failures = []
    for key, limit in BUDGET_MEDIAN.items():
        phase, metric = key.split("/")
        errs = [
            abs(e)
            for r in rows
            if r.phase == phase and r.metric == metric
            if (e := r.lopo_error) is not None
        ]
        if errs and statistics.median(errs) > limit:
            failures.append(f"{key}: LOPO median error {statistics.median(errs):.1%} > {limit:.0%}")
    for r in rows:
        e = r.lopo_error
        if r.metric in JUDGED and e is not None:
            ratio = 1 + e
            if ratio >= MAX_RATIO or ratio <= 1 / MAX_RATIO:
                failures.append(f"{r.id}: off by {ratio:.2f}x")
    return failures
