"""Ranking: deterministic, weighted as the data file says, quality direction-aware."""

from __future__ import annotations

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.models.catalog import ModelSpec, QualitySignal
from advisor.models.hardware import HardwareProfile
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.recommend.rank import combine, quality_scores
from advisor.recommend.weights import policy
from advisor.whatif import WhatIf, apply_whatif


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


def test_weights_add_up_to_one_and_order_the_total() -> None:
    pol = policy()
    w = pol.weights
    assert w.quality + w.fit + w.speed + w.language + w.license == pytest.approx(1.0)
    better = combine(0.9, 0.5, 0.5, 1.0, 1.0, pol)
    worse = combine(0.5, 0.5, 0.5, 1.0, 1.0, pol)
    assert better.total > worse.total


def test_lower_is_better_metrics_rank_lower_values_first(catalog: Catalog) -> None:
    pol = policy()
    info = catalog.task_info(Task.SPEECH_RECOGNITION)
    base = catalog.for_task(Task.SPEECH_RECOGNITION)[0]

    def with_wer(model_id: str, wer: float):  # type: ignore[no-untyped-def]
        signal = QualitySignal(metric="wer", value=wer, benchmark="test", source="test")
        return base.model_copy(update={"id": model_id, "quality": [signal]})

    good, bad = with_wer("good", 3.0), with_wer("bad", 12.0)
    scores = quality_scores([good, bad], info, catalog, pol)
    assert scores["good"].score > scores["bad"].score


def test_measured_model_beats_unmeasured_one_of_same_size(catalog: Catalog) -> None:
    """The better of two comparable scores beats an unscored model of the same size; a score
    nobody else reports on its test set is no evidence, so that model is 'unscored'."""
    pol = policy()
    info = catalog.task_info(Task.CHAT)
    base = catalog.get("qwen2.5-7b-instruct")

    def with_mmlu(model_id: str, value: float) -> ModelSpec:
        signal = QualitySignal(metric="mmlu", value=value, benchmark="b", source="s")
        return base.model_copy(update={"id": model_id, "quality": [signal]})

    unmeasured = base.model_copy(update={"id": "u", "quality": []})
    scores = quality_scores(
        [with_mmlu("m", 70), with_mmlu("w", 50), unmeasured], info, catalog, pol
    )
    assert scores["m"].score > scores["u"].score
    assert scores["m"].scored and scores["w"].scored and not scores["u"].scored
    assert "unscored" in scores["u"].basis
    alone = quality_scores([with_mmlu("m", 70), unmeasured], info, catalog, pol)
    assert not alone["m"].scored


def test_ranks_are_consecutive_and_the_same_on_every_run(catalog: Catalog) -> None:
    hw = apply_whatif(WhatIf(gpus=["RTX 4090"]), HardwareProfile(ram_bytes=64 * 2**30))
    request = Request(task=Task.CHAT, data=5000, top=6)
    first = recommend(request, hw, catalog)
    second = recommend(request, hw, catalog)
    n = len(first.recommendations)
    assert n > 6  # every model that fits is planned; --top trims only what is printed
    assert [r.rank for r in first.recommendations] == list(range(1, n + 1))
    assert [r.rank for r in first.trimmed(6).recommendations] == list(range(1, 7))
    assert [r.model.id for r in first.recommendations] == [
        r.model.id for r in second.recommendations
    ]
    # Plans that do what the goal asks come first; score order within each group.
    goal = [r.serves_goal for r in first.recommendations]
    assert goal == sorted(goal, reverse=True)
    for flag in (True, False):
        totals = [r.score.total for r in first.recommendations if r.serves_goal is flag]
        assert totals == sorted(totals, reverse=True)


def test_scores_on_different_test_sets_are_not_compared(catalog: Catalog) -> None:
    """BLEU on Tatoeba against BLEU on newstest says nothing: neither model gains from it."""
    pol = policy()
    info = catalog.task_info(Task.TRANSLATION)
    base = catalog.get("nllb-200-distilled-600m")

    def with_bleu(model_id: str, bleu: float, test_set: str):  # type: ignore[no-untyped-def]
        signal = QualitySignal(metric="bleu", value=bleu, benchmark=test_set, source="s")
        return base.model_copy(update={"id": model_id, "quality": [signal]})

    a = with_bleu("a", 40.0, "newstest2019 en-de")
    b = with_bleu("b", 20.0, "Tatoeba-test eng-zho")
    none = base.model_copy(update={"id": "none", "quality": []})
    scores = quality_scores([a, b, none], info, catalog, pol)
    assert scores["a"].score == scores["b"].score == scores["none"].score
    c = with_bleu("c", 30.0, "newstest2019  EN-DE")  # same test set, spelled loosely
    scores = quality_scores([a, b, c, none], info, catalog, pol)
    assert scores["a"].score > scores["c"].score
    assert scores["b"].score == scores["none"].score


def test_a_small_dense_model_is_not_floored_at_a_larger_moe_siblings_score(
    catalog: Catalog,
) -> None:
    """An unscored model is never ranked below a scored smaller sibling; "smaller" is total
    parameters, so a 4B dense model does not inherit a 30B-A3B MoE's score (3B active)."""
    pol = policy()
    info = catalog.task_info(Task.CHAT)
    base = catalog.get("qwen2.5-7b-instruct")

    def make(model_id: str, params: int, active: int | None, mmlu: float | None) -> ModelSpec:
        quality = (
            [QualitySignal(metric="mmlu", value=mmlu, benchmark="b", source="s")] if mmlu else []
        )
        update = {"id": model_id, "params": params, "active_params": active, "quality": quality}
        return base.model_copy(update=update)

    moe = make("moe-30b-a3b", 30_000_000_000, 3_000_000_000, 80.0)
    other = make("other-14b", 14_000_000_000, None, 60.0)
    dense = make("dense-4b", 4_000_000_000, None, None)
    big = make("dense-32b", 32_000_000_000, None, None)
    scores = quality_scores([moe, other, dense, big], info, catalog, pol)
    assert scores["dense-4b"].score < scores["moe-30b-a3b"].score
    assert "moe-30b-a3b" not in scores["dense-4b"].basis
    assert scores["dense-32b"].score >= scores["moe-30b-a3b"].score  # a larger sibling
