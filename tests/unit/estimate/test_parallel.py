"""Per-device memory under DDP, ZeRO, FSDP, tensor parallelism and offload."""

from __future__ import annotations

from typing import Any

from advisor.estimate import estimate
from advisor.models.estimate import EstimateSetup, Method, Mode, Precision
from tests.unit.estimate.archs import llama2_7b

N = llama2_7b().params_total


def train(**kw: Any) -> EstimateSetup:
    base: dict[str, Any] = {
        "mode": Mode.TRAINING,
        "method": Method.FULL,
        "precision": Precision.BF16,
        "mixed_precision": True,
        "seq": 1024,
        "gradient_checkpointing": True,
    }
    return EstimateSetup(**{**base, **kw})


def test_zero_stages_shard_optimizer_then_grads_then_params() -> None:
    # ZeRO Figure 1 on 8 GPUs: 16N → 4N (stage 1, here 2+2+12/8) → 2+14/8 → 16/8 per param.
    arch = llama2_7b()
    b = [estimate(arch, train(gpus=8, zero=z)).memory.breakdown for z in (0, 1, 2, 3)]
    states = [x.weights_bytes + x.gradients_bytes + x.optimizer_bytes for x in b]
    assert states[0] / N == 16
    assert abs(states[1] / N - (2 + 2 + 12 / 8)) < 0.01
    assert abs(states[2] / N - (2 + 14 / 8)) < 0.01
    # stage 3: 16/8 plus two gathered layers of 16-bit weights
    assert 16 / 8 < states[3] / N < 16 / 8 + 2 * 2 / 32 + 0.01


def test_fsdp_matches_zero3() -> None:
    arch = llama2_7b()
    a = estimate(arch, train(gpus=4, fsdp=True)).memory.total_bytes
    b = estimate(arch, train(gpus=4, zero=3)).memory.total_bytes
    assert a == b


def test_cpu_offload_moves_optimizer_to_host() -> None:
    e = estimate(llama2_7b(), train(gpus=1, zero=2, cpu_offload=True))
    assert e.memory.breakdown.optimizer_bytes == 0
    assert e.memory.cpu_offload_bytes >= 12 * N


def test_tensor_parallel_splits_weights_for_serving() -> None:
    one = estimate(llama2_7b(), EstimateSetup(seq=512))
    two = estimate(llama2_7b(), EstimateSetup(seq=512, gpus=2, tensor_parallel=2))
    assert two.memory.breakdown.weights_bytes * 2 == one.memory.breakdown.weights_bytes
    assert two.memory.devices == 2


def test_optimizer_in_backward_frees_most_gradients() -> None:
    a = estimate(llama2_7b(), train())
    b = estimate(llama2_7b(), train(optimizer_in_backward=True))
    assert b.memory.breakdown.gradients_bytes < a.memory.breakdown.gradients_bytes / 10


def test_activation_offload_reports_host_memory() -> None:
    e = estimate(llama2_7b(), train(gradient_checkpointing=False, activation_offload=True))
    assert e.memory.cpu_offload_bytes > 0
