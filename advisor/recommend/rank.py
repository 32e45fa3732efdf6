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
    scored: bool = False
    """A comparable published score backs it (False: ranked by the stated prior)."""
    basis: str = ""
    """What the quality part rests on, in words."""


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


class _Evidence(NamedTuple):
    metric: str
    test_set: str
    language: str
    weight: float


def test_set_of(signal: QualitySignal, per_benchmark: bool, pol: Policy) -> str:
    """The test set a score was measured on: its ``test_set``, else one recognised in its
    benchmark text (ranking.toml [quality.test_set_patterns]), else the benchmark text itself
    for test-set dependent metrics, else "" (the metric is its own test set, e.g. MMLU)."""
    if signal.test_set:
        return signal.test_set
    text = " ".join(signal.benchmark.lower().split())
    for pattern, test_set in pol.test_set_patterns:
        if pattern in text:
            return test_set
    return text if per_benchmark else ""


def _language_ok(lang: str, wanted: tuple[str, ...], pair: str | None) -> bool:
    if not lang or not wanted:
        return True
    if "-" in lang:  # a direction: only the requested one counts
        return pair is not None and lang == pair
    return lang in wanted


def quality_scores(
    models: Sequence[ModelSpec],
    info: TaskInfo | None,
    catalog: Catalog,
    pol: Policy,
    *,
    languages: tuple[str, ...] = (),
    pair: str | None = None,
) -> dict[str, QualityScore]:
    """Quality of each model in 0..1, comparable across the candidates.

    Scores are compared only within one evidence group: the same metric on the same test set
    (``test_set_of``) in the same language. A model's signal part is the weighted mean of its
    percentiles in the groups it shares with at least one other candidate (ties share the
    percentile; the metric's direction decides which way is better). Groups on the task's
    primary test sets weigh 1, others ``secondary_weight``; when languages are asked, a score
    in another language is ignored (an English LibriSpeech WER does not rank Swahili ASR) and
    one in a requested language weighs double. Scored: ``signal_share × signal + (1 −
    signal_share) × prior``. Unscored (no comparable score): ``unknown_discount × prior``, and
    never below a scored model of the same family with fewer parameters (a larger sibling is
    not assumed worse). The prior is the size prior: log10 of the active parameters, scaled
    0..1 between the smallest and the largest candidate.
    """
    metrics = list(info.metrics) if info is not None else []
    primary = set(info.primary_test_sets) if info is not None else set()
    wanted = tuple(languages)
    groups: dict[tuple[str, str, str], dict[str, tuple[float, QualitySignal]]] = {}
    weights: dict[tuple[str, str, str], float] = {}
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
            test_set = test_set_of(signal, per_benchmark, pol)
            lang = signal.language or pol.test_set_languages.get(test_set, "")
            if not _language_ok(lang, wanted, pair):
                continue
            key = (metric_id, test_set, lang)
            weight = 1.0 if test_set in primary else pol.secondary_weight
            if wanted and lang and _language_ok(lang, wanted, pair):
                weight *= 2.0
            weights[key] = weight
            groups.setdefault(key, {}).setdefault(model.id, (signal.value, signal))
    percentiles: dict[str, list[tuple[float, float]]] = {}
    best: dict[str, tuple[float, int, str, QualitySignal]] = {}
    for key, table in groups.items():
        n = len(table)
        if n < 2:
            continue  # nobody else measured there: no evidence either way
        metric = key[0]
        info_m = catalog.metric(metric)
        higher = info_m is None or info_m.direction == "higher"
        ordered = sorted(v for v, _ in table.values())
        order = metrics.index(metric)
        for model_id, (value, signal) in table.items():
            below = _count_below(ordered, value)
            equal = _count_equal(ordered, value, below)
            better_than = below if higher else n - below - equal
            pct = (better_than + (equal - 1) / 2) / (n - 1)
            percentiles.setdefault(model_id, []).append((pct, weights[key]))
            rank_key = (-weights[key], order)
            if model_id not in best or rank_key < (best[model_id][0], best[model_id][1]):
                best[model_id] = (-weights[key], order, metric, signal)
    priors = _relative_priors(models)
    if pair is not None:
        priors = _discount_unlisted(models, priors, wanted, catalog, pol)
    out: dict[str, QualityScore] = {}
    for model in models:
        prior = priors[model.id]
        pcts = percentiles.get(model.id)
        if pcts:
            total_w = sum(w for _, w in pcts)
            signal_part = sum(p * w for p, w in pcts) / total_w
            score = pol.signal_share * signal_part + (1 - pol.signal_share) * prior
            _, _, metric, signal = best[model.id]
            basis = f"{signal.metric} {signal.value:g} on {signal.benchmark}"
            out[model.id] = QualityScore(score, signal, metric, True, basis)
    for model in models:
        if model.id in out:
            continue
        prior = priors[model.id]
        score = pol.unknown_discount * prior
        basis = (
            "unscored: no score comparable with the other candidates (same metric, test set"
            " and language); ranked by the size prior (log10 active parameters among the"
            " candidates)"
        )
        # Total parameters: a 4B dense model is not a larger sibling of a 30B-A3B MoE.
        size = model.params or model.active_params or 0
        siblings = [
            (out[m.id].score, m.id)
            for m in models
            if m.id in out
            and out[m.id].scored
            and m.family == model.family
            and (m.params or m.active_params or 0) < size
        ]
        if siblings:
            floor, sibling = max(siblings)
            if floor > score:
                score = floor
                basis = (
                    f"unscored: no comparable score; ranked at least as high as {sibling}"
                    " (same family, fewer parameters, scored)"
                )
        out[model.id] = QualityScore(score, None, None, False, basis)
    return out


def _discount_unlisted(
    models: Sequence[ModelSpec],
    priors: dict[str, float],
    wanted: tuple[str, ...],
    catalog: Catalog,
    pol: Policy,
) -> dict[str, float]:
    """Translation: a model that only claims a requested language in bulk (or states nothing)
    gets ``translation_unlisted_prior`` of its size prior: general LLMs trail dedicated MT
    models on lower-resource languages (Robinson et al. 2023, "ChatGPT MT: Competitive for
    High- (but not Low-) Resource Languages", WMT, arXiv 2309.07423), and a bulk claim does
    not say how well a language is served."""
    from advisor.recommend.candidates import coverage_state

    out = dict(priors)
    for model in models:
        if any(coverage_state(model, code, catalog) != "listed" for code in wanted):
            out[model.id] = priors[model.id] * pol.translation_unlisted_prior
    return out


def _relative_priors(models: Sequence[ModelSpec]) -> dict[str, float]:
    """log10 of the active parameters scaled 0..1 between the smallest and the largest
    candidate (0.5 for all when they are one size or unknown; 0 for an unknown size)."""
    sizes = {m.id: (m.active_params or m.params) for m in models}
    logs = [math.log10(p) for p in sizes.values() if p]
    if not logs:
        return dict.fromkeys(sizes, 0.5)
    lo, hi = min(logs), max(logs)
    out: dict[str, float] = {}
    for model_id, p in sizes.items():
        if not p:
            out[model_id] = 0.0
        elif hi == lo:
            out[model_id] = 0.5
        else:
            out[model_id] = (math.log10(p) - lo) / (hi - lo)
    return out


def _count_below(ordered: list[float], value: float) -> int:
    import bisect

    return bisect.bisect_left(ordered, value)


def _count_equal(ordered: list[float], value: float, below: int) -> int:
    import bisect

    return bisect.bisect_right(ordered, value) - below


def fit_part(
    serve: ServeFit | None,
    train: TrainFit | None,
    planned_first: bool,
    pol: Policy,
    *,
    unknown: bool = False,
) -> float:
    """How comfortably the model runs: format kept × placement × headroom × training plan
    (``unknown``: planned, but its memory cannot be estimated yet)."""
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
    elif unknown:
        score *= pol.training_unknown_factor  # planned; its memory is not estimated
    elif not planned_first:
        score *= pol.training_missing_factor  # training planned, but no method fits
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


def order_key(model_id: str, parts: Parts, reviewed: bool = True) -> tuple[float, bool, str]:
    """Sort key: best total first, curated before unreviewed (catalog refresh) records with the
    same total, then catalog id (deterministic)."""
    return (-parts.total, not reviewed, model_id)
