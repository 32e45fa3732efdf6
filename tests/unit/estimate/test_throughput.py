"""Speeds, epoch time and cost from bandwidth, FLOP/s and price."""

from __future__ import annotations

import pytest

from advisor.estimate import estimate, training_flops_per_token
from advisor.estimate.constants import (
    COMPILED_LAYER_OVERHEAD_S,
    DECODE_BANDWIDTH_EFFICIENCY,
    MFU_SINGLE_NODE,
)
from advisor.models.estimate import EstimateSetup, Method, Mode, Precision, Runtime
from advisor.models.hardware import GpuInfo, Vendor
from tests.unit.estimate.archs import llama2_7b

A100 = GpuInfo(
    name="A100 80GB",
    vendor=Vendor.NVIDIA,
    memory_bytes=80 * 2**30,
    memory_bandwidth_bytes_per_s=2.0e12,
    bf16_tflops=312,
    hourly_usd=2.0,
    source="what-if",
)


def test_decode_is_bandwidth_bound() -> None:
    arch = llama2_7b()
    e = estimate(arch, EstimateSetup(seq=1, gen=2, runtime=Runtime.VLLM), gpu=A100)
    # bytes per token ≈ all weights but the input embedding (a row lookup), plus a tiny cache.
    streamed = (arch.params_total - 32000 * 4096) * 2
    step = streamed / (2.0e12 * DECODE_BANDWIDTH_EFFICIENCY) + 32 * COMPILED_LAYER_OVERHEAD_S
    assert e.throughput.decode_tokens_per_s == pytest.approx(1 / step, rel=0.01)


def test_eager_transformers_is_slower_than_an_engine() -> None:
    arch = llama2_7b()
    hf = estimate(arch, EstimateSetup(seq=16, gen=64), gpu=A100).throughput.decode_tokens_per_s
    vllm = estimate(arch, EstimateSetup(seq=16, gen=64, runtime=Runtime.VLLM), gpu=A100)
    assert hf is not None and vllm.throughput.decode_tokens_per_s is not None
    assert hf < vllm.throughput.decode_tokens_per_s / 1.5


def test_quantized_weights_decode_faster_in_llama_cpp() -> None:
    arch = llama2_7b()
    q4 = estimate(
        arch,
        EstimateSetup(precision=Precision.GGUF_Q4_0, runtime=Runtime.LLAMA_CPP, seq=16),
        gpu=A100,
    )
    f16 = estimate(
        arch, EstimateSetup(precision=Precision.FP16, runtime=Runtime.LLAMA_CPP, seq=16), gpu=A100
    )
    assert q4.throughput.decode_tokens_per_s > 2 * f16.throughput.decode_tokens_per_s  # type: ignore[operator]


def test_training_flops_are_6n_and_4n_with_frozen_base() -> None:
    arch = llama2_7b()
    full = EstimateSetup(mode=Mode.TRAINING, seq=2)
    lora = EstimateSetup(mode=Mode.TRAINING, method=Method.LORA, seq=2)
    assert training_flops_per_token(arch, full) == pytest.approx(6 * arch.params_total, rel=0.001)
    assert training_flops_per_token(arch, lora) == pytest.approx(4 * arch.params_total, rel=0.001)


def test_epoch_time_and_cost() -> None:
    arch = llama2_7b()
    setup = EstimateSetup(mode=Mode.TRAINING, method=Method.LORA, seq=2, tokens=1_000_000_000)
    e = estimate(arch, setup, gpu=A100)
    tps = 312e12 * MFU_SINGLE_NODE / training_flops_per_token(arch, setup)
    assert e.throughput.train_tokens_per_s == pytest.approx(tps)
    assert e.epoch_time_s == pytest.approx(1e9 / tps)
    assert e.cost_usd == pytest.approx(1e9 / tps / 3600 * 2.0)


def test_no_gpu_means_unknown_speed_and_fit() -> None:
    e = estimate(llama2_7b(), EstimateSetup())
    assert e.throughput.decode_tokens_per_s is None
    assert e.fits is None and e.headroom_bytes is None
    assert e.assumptions


def test_fits_against_device_memory() -> None:
    small = A100.model_copy(update={"memory_bytes": 8 * 2**30})
    assert estimate(llama2_7b(), EstimateSetup(seq=512), gpu=A100).fits is True
    e = estimate(llama2_7b(), EstimateSetup(seq=512), gpu=small)
    assert e.fits is False and e.headroom_bytes is not None and e.headroom_bytes < 0
