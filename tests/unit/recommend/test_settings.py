"""Training settings: sourced values, one reason each, and the anti-overfitting invariants."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.models.estimate import Method, Optimizer
from advisor.models.policy import Approach, TrainingSettings
from advisor.models.task import Task
from advisor.recommend.settings import training_settings
from advisor.recommend.train_fit import method_fields

TRAINING = [a for a in Approach if a.trains]


def ts(approach: Approach, task: Task, n: int, **kw: int | None) -> TrainingSettings:
    args: dict[str, int | None] = {"model_params": 8_000_000_000, "per_device_batch": 4}
    args.update(kw)
    out = training_settings(approach, task, n, **args)  # type: ignore[arg-type]
    assert out is not None
    return out


def test_approaches_that_do_not_train_have_no_settings() -> None:
    for approach in (Approach.PROMPTING, Approach.FEW_SHOT, Approach.RAG, Approach.PRETRAINED):
        got = training_settings(approach, Task.CHAT, 1000, model_params=None, per_device_batch=1)
        assert got is None


def test_qlora_on_a_7b_chat_model_follows_the_qlora_paper() -> None:
    s = ts(Approach.QLORA, Task.CHAT, 10_000, model_params=7_000_000_000)
    assert s.learning_rate == 2e-4
    assert s.max_grad_norm == 0.3
    # the QLoRA reference script's paged 32-bit AdamW, and the optimizer the memory plan sized
    assert s.optimizer is Optimizer.PAGED_ADAMW
    assert s.optimizer is method_fields(Method.QLORA, 16).get("optimizer")
    assert s.lora is not None and s.lora.dropout == 0.1 and s.lora.targets == "all-linear"
    big = ts(Approach.QLORA, Task.CHAT, 10_000, model_params=65_000_000_000)
    assert big.learning_rate == 1e-4
    assert big.lora is not None and big.lora.dropout == 0.05


def test_bert_style_full_fine_tuning_uses_bert_ranges() -> None:
    s = ts(Approach.FULL, Task.TEXT_CLASSIFICATION, 50_000, model_params=110_000_000)
    assert 1e-5 <= s.learning_rate <= 5e-5
    assert 2 <= s.epochs <= 4
    assert s.effective_batch in (16, 32)
    assert s.label_smoothing > 0 and s.lora is None


def test_whisper_and_translation_recipes() -> None:
    asr = ts(Approach.FULL, Task.SPEECH_RECOGNITION, 5_000, model_params=244_000_000)
    assert asr.learning_rate == 1e-5
    assert any("SpecAugment" in a for a in asr.augmentation)
    mt = ts(Approach.FULL, Task.TRANSLATION, 5_000, model_params=600_000_000)
    assert mt.label_smoothing == 0.1
    assert any("back-translation" in a for a in mt.augmentation)


def test_linear_probe_uses_a_head_learning_rate_above_full_tuning() -> None:
    probe = ts(Approach.LINEAR_PROBE, Task.IMAGE_CLASSIFICATION, 200, model_params=86_000_000)
    full = ts(Approach.FULL, Task.IMAGE_CLASSIFICATION, 200, model_params=86_000_000)
    assert probe.learning_rate > full.learning_rate
    assert any("RandAugment" in a for a in probe.augmentation)


def test_accumulation_makes_up_the_batch_across_gpus() -> None:
    one = ts(Approach.LORA, Task.CHAT, 5_000, per_device_batch=2)
    assert one.per_device_batch * one.gradient_accumulation == one.effective_batch == 16
    four = ts(Approach.LORA, Task.CHAT, 5_000, per_device_batch=2, gpus=4)
    assert four.gradient_accumulation == 2 and four.effective_batch == 16


def test_dreambooth_lora_has_no_validation_split_or_early_stopping() -> None:
    s = ts(Approach.LORA, Task.IMAGE_GENERATION, 5, model_params=860_000_000)
    assert s.validation_fraction == 0.0 and s.early_stopping is None
    assert s.learning_rate == 1e-4 and s.epochs > 10


def test_every_setting_has_a_reason() -> None:
    for task in Task:
        for approach in TRAINING:
            s = ts(approach, task, 3_000, model_params=300_000_000)
            keys = {
                "epochs",
                "learning_rate",
                "weight_decay",
                "dropout",
                "warmup_ratio",
                "validation_fraction",
                "early_stopping",
                "label_smoothing",
                "max_grad_norm",
                "augmentation",
                "effective_batch",
                "lr_scheduler",
            }
            assert keys <= set(s.reasons), (task, approach)
            assert all(len(v) > 10 for v in s.reasons.values())
            if s.lora is not None:
                assert "lora" in s.reasons


def test_json_carries_the_design_keys() -> None:
    doc = ts(Approach.LORA, Task.CHAT, 2_000).model_dump(mode="json")
    for key in (
        "epochs",
        "learning_rate",
        "weight_decay",
        "dropout",
        "warmup_ratio",
        "early_stopping_patience",
        "validation_fraction",
        "lora",
    ):
        assert key in doc
    assert doc["early_stopping_patience"] == doc["early_stopping"]["patience"]


@settings(max_examples=300, deadline=None)
@given(
    task=st.sampled_from(list(Task)),
    approach=st.sampled_from(TRAINING),
    sizes=st.lists(st.integers(min_value=0, max_value=5_000_000), min_size=2, max_size=6),
    params=st.sampled_from([None, 110_000_000, 7_000_000_000, 70_000_000_000]),
    per_device=st.integers(min_value=1, max_value=64),
    gpus=st.integers(min_value=1, max_value=8),
)
def test_less_data_never_less_regularised_more_data_never_more_epochs(
    task: Task,
    approach: Approach,
    sizes: list[int],
    params: int | None,
    per_device: int,
    gpus: int,
) -> None:
    runs = [
        ts(approach, task, n, model_params=params, per_device_batch=per_device, gpus=gpus)
        for n in sorted(sizes)
    ]
    for less, more in pairwise(runs):
        assert more.epochs <= less.epochs
        assert more.weight_decay <= less.weight_decay
        assert more.dropout <= less.dropout
        assert more.label_smoothing <= less.label_smoothing
        assert more.validation_fraction <= less.validation_fraction
        if less.early_stopping and more.early_stopping:
            assert more.early_stopping.patience >= less.early_stopping.patience
        if less.lora and more.lora:
            assert more.lora.rank >= less.lora.rank
            assert more.lora.dropout <= less.lora.dropout
