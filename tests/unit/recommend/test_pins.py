"""Pins: every data-size boundary, the epoch clamp, the ranking direction and the fit headroom
stated as the numbers the README and catalog/policy/policy.toml document. Each fails when the
boundary moves by one; ``scripts/mutants.py`` moves each and checks that a test here fails."""

from __future__ import annotations

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.models.hardware import HardwareProfile
from advisor.models.policy import Approach
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.recommend.settings import training_settings
from advisor.recommend.strategy import plan_strategy
from advisor.whatif import WhatIf, apply_whatif


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


SMALL = 300_000_000
LARGE = 7_000_000_000

A = Approach
LADDER = [
    # (task, model params, boundary, approach below it, approach from it)
    (Task.CHAT, SMALL, 1, A.PROMPTING, A.FEW_SHOT),
    (Task.CHAT, SMALL, 100, A.FEW_SHOT, A.LORA),
    (Task.CHAT, SMALL, 100_000, A.LORA, A.FULL),
    (Task.TEXT_CLASSIFICATION, SMALL, 1, A.PROMPTING, A.LINEAR_PROBE),
    (Task.TEXT_CLASSIFICATION, SMALL, 100, A.LINEAR_PROBE, A.FREEZE),
    (Task.TEXT_CLASSIFICATION, SMALL, 1000, A.FREEZE, A.FULL),
    (Task.TEXT_CLASSIFICATION, LARGE, 1, A.PROMPTING, A.FEW_SHOT),
    (Task.TEXT_CLASSIFICATION, LARGE, 100, A.FEW_SHOT, A.LORA),
    (Task.TEXT_CLASSIFICATION, LARGE, 100_000, A.LORA, A.FULL),
    (Task.TRANSLATION, SMALL, 1, A.PROMPTING, A.FEW_SHOT),
    (Task.TRANSLATION, SMALL, 1000, A.FEW_SHOT, A.FULL),
    (Task.TRANSLATION, LARGE, 100_000, A.LORA, A.FULL),
    (Task.SPEECH_RECOGNITION, SMALL, 50, A.PRETRAINED, A.FREEZE),
    (Task.SPEECH_RECOGNITION, SMALL, 3000, A.FREEZE, A.FULL),
    (Task.SPEECH_RECOGNITION, LARGE, 100_000, A.LORA, A.FULL),
    (Task.TEXT_TO_SPEECH, SMALL, 1000, A.PRETRAINED, A.FULL),
    (Task.IMAGE_CLASSIFICATION, SMALL, 1, A.PROMPTING, A.LINEAR_PROBE),
    (Task.IMAGE_CLASSIFICATION, SMALL, 1000, A.LINEAR_PROBE, A.FULL),
    (Task.IMAGE_CLASSIFICATION, LARGE, 100_000, A.LORA, A.FULL),
    (Task.EMBEDDINGS, SMALL, 1000, A.PRETRAINED, A.FULL),
    (Task.EMBEDDINGS, LARGE, 100_000, A.LORA, A.FULL),
    (Task.IMAGE_GENERATION, SMALL, 3, A.PROMPTING, A.LORA),
    (Task.IMAGE_GENERATION, SMALL, 100_000, A.LORA, A.FULL),
]


def _approach(task: Task, n: int, params: int) -> Approach:
    s = plan_strategy(
        task, n, model_params=params, task_model=False, knowledge_heavy=False, fits={},
        goal="both", has_gpu=True,
    )  # fmt: skip
    return s.approach


@pytest.mark.parametrize(("task", "params", "at", "below", "from_"), LADDER)
def test_each_ladder_rung_starts_exactly_at_its_documented_size(
    task: Task, params: int, at: int, below: Approach, from_: Approach
) -> None:
    assert _approach(task, at - 1, params) is below
    assert _approach(task, at, params) is from_


def test_the_large_model_line_is_one_billion_parameters() -> None:
    assert _approach(Task.TEXT_CLASSIFICATION, 500, 999_999_999) is A.FREEZE
    assert _approach(Task.TEXT_CLASSIFICATION, 500, 1_000_000_000) is A.LORA


def test_cpu_training_stops_above_half_a_billion_parameters() -> None:
    def on_cpu(params: int) -> Approach:
        return plan_strategy(
            Task.TEXT_CLASSIFICATION, 5000, model_params=params, task_model=False,
            knowledge_heavy=False, fits={}, goal="both", has_gpu=False,
        ).approach  # fmt: skip

    assert on_cpu(500_000_000) is A.FULL
    # above the line only the forward-only linear probe is left (no full, LoRA or freeze run)
    assert on_cpu(500_000_001) is A.LINEAR_PROBE


def _lora(n: int, params: int = LARGE, task: Task = Task.CHAT) -> object:
    s = training_settings(A.LORA, task, n, model_params=params, per_device_batch=1)
    assert s is not None
    return s


@pytest.mark.parametrize(
    ("below", "at", "decay_below", "decay_at", "rank_below", "rank_at"),
    [(999, 1000, 0.1, 0.05, 8, 16), (9999, 10_000, 0.05, 0.01, 16, 32),
     (99_999, 100_000, 0.01, 0.0, 32, 64)],
)  # fmt: skip
def test_setting_buckets_change_exactly_at_1k_10k_and_100k_examples(
    below: int, at: int, decay_below: float, decay_at: float, rank_below: int, rank_at: int
) -> None:
    low = training_settings(A.LORA, Task.CHAT, below, model_params=LARGE, per_device_batch=1)
    high = training_settings(A.LORA, Task.CHAT, at, model_params=LARGE, per_device_batch=1)
    assert low is not None and high is not None and low.lora and high.lora
    assert (low.weight_decay, high.weight_decay) == (decay_below, decay_at)
    assert (low.lora.rank, high.lora.rank) == (rank_below, rank_at)


def test_epochs_are_clamped_to_each_recipes_range() -> None:
    def epochs(task: Task, approach: Approach, n: int, params: int) -> int:
        s = training_settings(approach, task, n, model_params=params, per_device_batch=1)
        assert s is not None
        return s.epochs

    # LLM recipe: 1,000 steps × 16 per batch, 1–5 epochs.
    assert epochs(Task.CHAT, A.LORA, 100, LARGE) == 5
    assert epochs(Task.CHAT, A.LORA, 4000, LARGE) == 4
    assert epochs(Task.CHAT, A.LORA, 10_000_000, LARGE) == 1
    # Encoder recipe: 3,000 steps × 32, 2–20 epochs.
    assert epochs(Task.TEXT_CLASSIFICATION, A.FULL, 100, SMALL) == 20
    assert epochs(Task.TEXT_CLASSIFICATION, A.FULL, 1_000_000, SMALL) == 2


def test_adapter_learning_rate_drops_above_twenty_billion_parameters() -> None:
    def lr(params: int) -> float:
        s = training_settings(A.LORA, Task.CHAT, 5000, model_params=params, per_device_batch=1)
        assert s is not None
        return s.learning_rate

    assert lr(20_000_000_000) == 2e-4
    assert lr(20_000_000_001) == 1e-4


def test_the_best_scored_plan_that_serves_the_goal_ranks_first(catalog: Catalog) -> None:
    hw = apply_whatif(WhatIf(gpus=["RTX 4090"]), HardwareProfile(ram_bytes=64 * 2**30))
    report = recommend(Request(task=Task.CHAT, data=10_000, goal=Goal.BOTH), hw, catalog)
    recs = report.recommendations
    assert recs[0].serves_goal
    assert recs[0].score.total == max(r.score.total for r in recs if r.serves_goal)
    # The headline is that row's own plan, and 10,000 chat examples train an adapter on 24 GiB.
    assert report.strategy == recs[0].strategy
    assert report.strategy.approach in (A.LORA, A.QLORA)
    assert recs[0].fine_tuning is not None
    assert recs[0].fine_tuning.method is report.strategy.method


def test_a_plan_whose_fine_tuning_cannot_run_ranks_below_those_that_can(catalog: Catalog) -> None:
    hw = apply_whatif(WhatIf(gpus=["RTX 3060"]), HardwareProfile(ram_bytes=32 * 2**30))
    report = recommend(Request(task=Task.CHAT, data=20_000, goal=Goal.BOTH), hw, catalog)
    flags = [r.serves_goal for r in report.recommendations]
    assert True in flags and False in flags  # some 12 GiB plans fine-tune, some cannot
    assert flags == sorted(flags, reverse=True)
    assert report.strategy.approach.trains


def test_fits_keep_ten_percent_of_gpu_memory_free(catalog: Catalog) -> None:
    hw = apply_whatif(WhatIf(gpus=["RTX 4090"]), HardwareProfile(ram_bytes=64 * 2**30))
    report = recommend(Request(task=Task.CHAT, data=5000), hw, catalog)
    assert report.headroom.gpu_fraction == 0.10
    usable = 0.9 * 24 * 2**30
    for r in report.recommendations:
        assert r.inference is not None
        assert r.inference.memory_bytes <= usable
        if r.fine_tuning is not None:
            assert r.fine_tuning.memory_bytes <= usable
    assert any("21.6 GiB usable of 24.0 GiB" in e.reason for e in report.excluded)


def test_which_method_fits_does_not_depend_on_the_data_size(catalog: Catalog) -> None:
    """gpt-oss-20b's QLoRA fits a 24 GiB card at rank 16 but not at the 10k bucket's 32: the
    fit is decided at the recipe's smallest rank and the rank capped, so 10,000 examples do
    not lose the fine-tuning plan 9,999 had."""
    hw = apply_whatif(WhatIf(gpus=["RTX 4090"]), HardwareProfile(ram_bytes=64 * 2**30))
    plans = {}
    for n in (9_999, 10_000, 100_000):
        report = recommend(Request(task=Task.CHAT, data=n), hw, catalog)
        rec = next(r for r in report.recommendations if r.model.id == "gpt-oss-20b")
        assert rec.settings is not None and rec.settings.lora is not None
        plans[n] = (rec.strategy.approach, rec.settings.lora.rank)
    assert plans[9_999] == (A.QLORA, 16)
    assert plans[10_000] == (A.QLORA, 16)  # the recipe's 32 does not fit: capped, stated
    assert plans[100_000][0] is A.QLORA
