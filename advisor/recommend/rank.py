"""Ranking: a score in 0..1 per candidate from quality, fit, speed, languages and licence.

Weights and every factor come from ``catalog/ranking.toml``. The order is deterministic: score
descending, then catalog id. Quality comes from the catalog's published scores for the task
(the task's ranking metrics, direction-aware) and a size prior; see ``quality_scores``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from advisor.catalog.store import Catalog
from advisor.models.catalog import ModelSpec, QualitySignal, TaskInfo
from advisor.recommend.fit import ServeFit
from advisor.recommend.train_fit import TrainFit
from advisor.recommend.weights import Policy


class QualityScore(NamedTuple):
    """The quality part of one model, and the published score it rests on (if any)."""

    score: float
    signal: QualitySignal | None
    metric: str | None


class Parts(NamedTuple):
    """Score parts, each 0..1, and the weighted total."""

    quality: float
    fit: float
    speed: float
    language: float
    license: float
    total: float


def size_prior(model: ModelSpec, pol: Policy) -> float:
    """0..1, linear in log10 of the active parameters between the policy's bounds."""
    params = model.active_params or model.params
    if not params:
        return 0.0
    lo, hi = math.log10(pol.prior_low_params), math.log10(pol.prior_high_params)
    return min(1.0, max(0.0, (math.log10(params) - lo) / (hi - lo)))


def quality_scores(
    models: Sequence[ModelSpec], info: TaskInfo | None, catalog: Catalog, pol: Policy
) -> dict[str, QualityScore]:
    """Quality of each model: the mean percentile of its published scores among the candidates
    that report the same task metric (ties share the percentile), blended with the size prior
    (``signal_share``); without a comparable score, the discounted size prior.

    Scores are compared within a group: the metric, and for ``per_benchmark`` metrics (BLEU,
    WER, ...) also the benchmark text, since a BLEU on Tatoeba says nothing against a BLEU on
    newstest. A model alone in its group sits at the middle (0.5), except in a per-benchmark
    group: a BLEU on a test set nobody else reports is no evidence at all, and is ignored.
    """
    metrics = list(info.metrics) if info is not None else []
    groups: dict[tuple[str, str], dict[str, tuple[float, QualitySignal]]] = {}
    canonical: dict[str, str | None] = {}
    for model in models:
        for signal in model.quality:
            if signal.metric not in canonical:
                known = catalog.metric(signal.metric)
                canonical[signal.metric] = known.id if known is not None else None
            metric_id = canonical[signal.metric]
            if metric_id is None or metric_id not in metrics:
                continue
            metric_info = catalog.metric(metric_id)
            per_benchmark = metric_info is not None and metric_info.per_benchmark
            bench = " ".join(signal.benchmark.lower().split()) if per_benchmark else ""
            groups.setdefault((metric_id, bench), {}).setdefault(model.id, (signal.value, signal))
    percentiles: dict[str, list[float]] = {}
    first: dict[str, tuple[int, str, QualitySignal]] = {}
    for (metric, bench), table in groups.items():
        n = len(table)
        if n < 2 and bench:
            continue
        info_m = catalog.metric(metric)
        higher = info_m is None or info_m.direction == "higher"
        ordered = sorted(v for v, _ in table.values())
        order = metrics.index(metric)
        for model_id, (value, signal) in table.items():
            below = _count_below(ordered, value)
            equal = _count_equal(ordered, value, below)
            better_than = below if higher else n - below - equal
            pct = 0.5 if n == 1 else (better_than + (equal - 1) / 2) / (n - 1)
            percentiles.setdefault(model_id, []).append(pct)
            if model_id not in first or order < first[model_id][0]:
                first[model_id] = (order, metric, signal)
    out: dict[str, QualityScore] = {}
    for model in models:
        prior = size_prior(model, pol)
        pcts = percentiles.get(model.id)
        if pcts:
            signal_part = sum(pcts) / len(pcts)
            score = pol.signal_share * signal_part + (1 - pol.signal_share) * prior
            _, metric, signal = first[model.id]
            out[model.id] = QualityScore(score, signal, metric)
        else:
            out[model.id] = QualityScore(pol.unknown_discount * prior, None, None)
    return out


def _count_below(ordered: list[float], value: float) -> int:
    import bisect

    return bisect.bisect_left(ordered, value)


def _count_equal(ordered: list[float], value: float, below: int) -> int:
    import bisect

    return bisect.bisect_right(ordered, value) - below


def fit_part(
    serve: ServeFit | None, train: TrainFit | None, planned_first: bool, pol: Policy
) -> float:
    """How comfortably the model runs: format kept × placement × headroom × training plan."""
    score = 1.0
    if serve is not None:
        # The shipped checkpoint loses nothing; a conversion keeps its format's share.
        score *= 1.0 if serve.native else pol.retention.get(serve.precision, 0.9)
        if serve.offload_bytes:
            score *= pol.offload_factor
        elif serve.gpus == 0:
            score *= pol.cpu_only_factor
        elif serve.gpus > 1:
            score *= pol.tp_factor
        free = max(serve.headroom_bytes, 0) / serve.target.memory_bytes
        score *= 0.5 + 0.5 * min(1.0, free / pol.full_headroom)
    if train is not None:
        if not planned_first:
            score *= pol.fallback_method_factor
        if train.host_bytes:
            score *= pol.training_offload_factor
    return score


def speed_part(serve: ServeFit | None, reference: float, pol: Policy) -> float:
    """min(1, tokens/s ÷ reference); neutral when the model does not generate text."""
    if serve is None or serve.decode_tokens_per_s is None:
        return pol.neutral_speed
    return min(1.0, serve.decode_tokens_per_s / reference)


def license_part(model: ModelSpec, pol: Policy) -> float:
    """Licence freedom: commercial use allowed, not allowed, or unknown."""
    if model.commercial_use is True:
        return pol.license_commercial
    if model.commercial_use is False:
        return pol.license_noncommercial
    return pol.license_unknown


def combine(
    quality: float, fit: float, speed: float, language: float, license_: float, pol: Policy
) -> Parts:
    """Weighted total of the parts (weights from ranking.toml [weights])."""
    w = pol.weights
    total = (
        w.quality * quality
        + w.fit * fit
        + w.speed * speed
        + w.language * language
        + w.license * license_
    )
    return Parts(quality, fit, speed, language, license_, round(total, 6))


def order_key(model_id: str, parts: Parts) -> tuple[float, str]:
    """Sort key: best total first, then catalog id (deterministic)."""
    return (-parts.total, model_id)
