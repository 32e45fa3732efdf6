"""Training state per method and optimizer against the ZeRO paper and the HF docs."""

from __future__ import annotations

from typing import Any

import pytest

from advisor.errors import InvalidValueError
from advisor.estimate import estimate, lora_params, trainable_params, training_state
from advisor.models.estimate import EstimateSetup, Method, Mode, Optimizer, Precision
from tests.unit.estimate.archs import llama2_7b

N = llama2_7b().params_total


def full(**kw: Any) -> EstimateSetup:
    return EstimateSetup(mode=Mode.TRAINING, method=Method.FULL, **kw)


def state_bytes_per_param(setup: EstimateSetup, weight_bytes: float) -> float:
    s = training_state(llama2_7b(), setup)
    return (s.trainable_weight_bytes + s.gradient_bytes + s.optimizer_bytes) / N + weight_bytes


def test_mixed_precision_adamw_is_16_bytes_per_param() -> None:
    # ZeRO §3.1: 2 (fp16 weights) + 2 (grads) + 4 (fp32 master) + 4 + 4 (Adam m, v).
    setup = full(precision=Precision.BF16, mixed_precision=True)
    assert state_bytes_per_param(setup, 2) == pytest.approx(16)


def test_torch_amp_with_fp32_model_is_18_bytes_per_param() -> None:
    # HF "model training anatomy": 6 B weights (fp32 + fp16 copy) + 4 B grads + 8 B Adam.
    setup = full(precision=Precision.FP32, mixed_precision=True)
    assert state_bytes_per_param(setup, 4) == pytest.approx(18)


def test_pure_bf16_and_fp32_adamw() -> None:
    assert state_bytes_per_param(full(precision=Precision.BF16), 2) == pytest.approx(8)
    assert state_bytes_per_param(full(precision=Precision.FP32), 4) == pytest.approx(16)


@pytest.mark.parametrize(
    ("optimizer", "state"),
    [
        (Optimizer.ADAMW, 8),
        (Optimizer.ADAMW_8BIT, 2),
        (Optimizer.SGD, 4),
        (Optimizer.PAGED_ADAMW, 8),
    ],
)
def test_optimizer_state_per_param(optimizer: Optimizer, state: float) -> None:
    setup = full(precision=Precision.BF16, mixed_precision=True, optimizer=optimizer)
    assert training_state(llama2_7b(), setup).optimizer_bytes / N == pytest.approx(state)


def test_adafactor_factored_state_is_tiny() -> None:
    setup = full(precision=Precision.FP32, optimizer=Optimizer.ADAFACTOR)
    assert training_state(llama2_7b(), setup).optimizer_bytes < 0.01 * N * 4


def test_lora_q_v_rank_8_on_llama2_7b() -> None:
    # 32 layers × 2 targets × r·(4096 + 4096): 4,194,304, the count litgpt prints.
    assert lora_params(llama2_7b(), 8, ("q_proj", "v_proj")) == 4_194_304
    assert lora_params(llama2_7b(), 8, ("query", "value")) == 4_194_304


def test_lora_all_linear_excludes_head() -> None:
    per_layer = 4 * (4096 + 4096) + 3 * (4096 + 11008)
    assert lora_params(llama2_7b(), 16, None) == 16 * 32 * per_layer


def test_freeze_head_only_trains_the_head() -> None:
    setup = EstimateSetup(mode=Mode.TRAINING, method=Method.FREEZE, freeze_fraction=1.0)
    assert trainable_params(llama2_7b(), setup) == 32000 * 4096


def test_qlora_fits_where_full_does_not() -> None:
    arch = llama2_7b()
    q = estimate(
        arch,
        EstimateSetup(mode=Mode.TRAINING, method=Method.QLORA, precision=Precision.NF4, seq=512),
    )
    f = estimate(arch, full(precision=Precision.BF16, mixed_precision=True, seq=512))
    assert q.memory.total_bytes < 12 * 2**30 < 100 * 2**30 < f.memory.total_bytes
    assert q.model.trainable_params is not None and q.model.trainable_params < N / 100


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch": 0},
        {"seq": 0},
        {"gen": -1},
        {"lora_rank": 0},
        {"zero": 4, "mode": Mode.TRAINING},
        {"zero": 2},  # inference
        {"mode": Mode.TRAINING, "method": Method.QLORA, "precision": Precision.BF16},
        {"mode": Mode.TRAINING, "method": Method.FULL, "precision": Precision.NF4},
        {"gpus": 4, "tensor_parallel": 3},
    ],
)
def test_invalid_setups_raise_usage_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidValueError) as err:
        EstimateSetup(**kwargs)
    assert "\n" not in err.value.message
