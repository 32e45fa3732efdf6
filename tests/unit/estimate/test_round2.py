"""Issue 14: decode physics per runtime, hybrid-attention KV, bitsandbytes and fused experts,
and the properties users rely on (more of anything never lowers memory, more GPUs never raise
per-device memory under sharding, batching never speeds up one sequence)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.catalog import load_catalog
from advisor.estimate import estimate
from advisor.models.arch import ModelArch
from advisor.models.estimate import EstimateSetup, Method, Mode, Precision, Runtime
from advisor.models.hardware import GpuInfo, Vendor
from tests.unit.estimate.archs import llama2_7b
from tests.unit.estimate.test_properties import archs, total

A100 = GpuInfo(
    name="A100", vendor=Vendor.NVIDIA, count=8, memory_bytes=80 * 2**30, source="what-if",
    memory_bandwidth_bytes_per_s=2.0e12, bf16_tflops=312.0,
)  # fmt: skip
PRECISION_BYTES = [Precision.NF4, Precision.INT8, Precision.BF16, Precision.FP32]  # ascending
runtimes = st.sampled_from([Runtime.TRANSFORMERS, Runtime.VLLM, Runtime.LLAMA_CPP])


def decode(arch: ModelArch, batch: int, runtime: Runtime = Runtime.VLLM, **kw: Any) -> float:
    setup = EstimateSetup(batch=batch, seq=256, gen=256, runtime=runtime, **kw)
    value = estimate(arch, setup, gpu=A100).throughput.decode_tokens_per_s
    assert value is not None
    return value


@settings(max_examples=40, deadline=None)
@given(archs, st.sampled_from([Method.LORA, Method.QLORA]), st.integers(1, 64))
def test_memory_never_falls_with_lora_rank(arch: ModelArch, method: Method, rank: int) -> None:
    kw: dict[str, Any] = {"mode": Mode.TRAINING, "method": method, "seq": 256}
    if method is Method.QLORA:
        kw["precision"] = Precision.NF4
    assert total(arch, lora_rank=rank, **kw) <= total(arch, lora_rank=rank * 2, **kw)


@settings(max_examples=40, deadline=None)
@given(archs, st.sampled_from([Mode.INFERENCE, Mode.TRAINING]))
def test_memory_never_falls_with_precision_bytes(arch: ModelArch, mode: Mode) -> None:
    # Training in full needs a float precision; serving takes every format.
    ladder = PRECISION_BYTES if mode is Mode.INFERENCE else PRECISION_BYTES[2:]
    values = [total(arch, mode=mode, precision=p, seq=256) for p in ladder]
    assert values == sorted(values)


@settings(max_examples=40, deadline=None)
@given(archs, st.integers(1, 7), st.sampled_from([Method.FULL, Method.LORA, Method.FREEZE]))
def test_another_gpu_under_fsdp_never_raises_per_device(
    arch: ModelArch, n: int, method: Method
) -> None:
    kw: dict[str, Any] = {"mode": Mode.TRAINING, "fsdp": True, "method": method, "seq": 512}
    assert total(arch, gpus=n + 1, **kw) <= total(arch, gpus=n, **kw)


@settings(max_examples=40, deadline=None)
@given(archs, runtimes, st.integers(1, 255))
def test_one_sequence_never_gets_faster_with_batch(
    arch: ModelArch, runtime: Runtime, batch: int
) -> None:
    per_seq = decode(arch, batch, runtime) / batch
    assert decode(arch, batch + 1, runtime) / (batch + 1) <= per_seq * (1 + 1e-9)


@settings(max_examples=40, deadline=None)
@given(archs, runtimes, st.integers(1, 255))
def test_total_throughput_never_falls_with_batch(
    arch: ModelArch, runtime: Runtime, batch: int
) -> None:
    # Until compute bound total tokens/s rises; at the compute floor it stays flat.
    assert decode(arch, batch + 1, runtime) >= decode(arch, batch, runtime) * (1 - 1e-9)


def test_large_batch_is_compute_bound() -> None:
    arch = llama2_7b()
    floor = 312e12 * 0.5 / (2 * arch.params_total)  # peak × MFU / FLOPs per token
    big = decode(arch, 4096)
    assert big <= floor * 1.0001
    assert decode(arch, 1) < big


def test_eager_is_slower_than_an_engine_and_tp_helps_less_than_linearly() -> None:
    arch = llama2_7b()
    eager, engine = decode(arch, 1, Runtime.TRANSFORMERS), decode(arch, 1, Runtime.VLLM)
    assert eager < engine
    one = decode(arch, 1, Runtime.TENSORRT_LLM)
    two = decode(arch, 1, Runtime.TENSORRT_LLM, gpus=2, tensor_parallel=2)
    assert one < two < 2 * one  # launches and all-reduces do not shrink with TP


def test_moe_batch_reads_more_experts_than_one_token() -> None:
    arch = load_catalog().get("gpt-oss-120b").arch()
    one, many = decode(arch, 1), decode(arch, 64)
    # 64 tokens touch most of the 128 experts: the step reads far more than the active set,
    # so the speed-up from batching is far below 64x.
    assert many < 64 * one * 0.5


def test_gpt_oss_full_attention_layers_keep_the_whole_context() -> None:
    arch = load_catalog().get("gpt-oss-120b").arch()
    est = estimate(arch, EstimateSetup(seq=131072, batch=1))
    # 18 full-attention layers x 131072 tokens x 8 KV heads x 64 dims x (K, V) x 2 bytes.
    full = 18 * 131072 * 8 * 64 * 2 * 2
    assert full <= est.memory.breakdown.kv_cache_bytes <= full * 1.01


def test_assumptions_name_the_runtime_model_and_its_error() -> None:
    est = estimate(llama2_7b(), EstimateSetup(runtime=Runtime.LLAMA_CPP), gpu=A100)
    line = next(a for a in est.assumptions if a.startswith("Decode speed"))
    assert "llama.cpp" in line and "median error" in line


def test_gpus_with_a_bare_gpu_name_means_that_many(tmp_path: Any) -> None:
    cmd = [sys.executable, "-m", "advisor", "estimate", "llama-3.1-8b-instruct", "--gpus", "4",
           "--gpu", "A100-80GB", "--json"]  # fmt: skip
    env = {"ADVISOR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stderr
    assert '"devices": 4' in out.stdout
    h20 = subprocess.run([*cmd[:5], "--gpu", "H20", "--json"], capture_output=True, text=True,
                         env=env, check=False)  # fmt: skip
    assert h20.returncode == 0 and '"fits": true' in h20.stdout


def test_lora_dropout_copies_only_when_dropout_is_on() -> None:
    kw: dict[str, Any] = {"mode": Mode.TRAINING, "method": Method.LORA, "seq": 2048, "batch": 4}
    on = estimate(llama2_7b(), EstimateSetup(lora_dropout=0.05, **kw)).memory.total_bytes
    off = estimate(llama2_7b(), EstimateSetup(lora_dropout=0.0, **kw)).memory.total_bytes
    # 4 x 2048 tokens x (7 targets' inputs per layer) x 3 bytes x 32 layers: hundreds of MiB.
    assert on - off > 200 * 2**20


def test_whisper_encoder_trains_on_its_30_second_frames() -> None:
    # Whisper pads every clip to 30 s: 1500 encoder positions whatever the transcript length.
    arch = load_catalog().get("whisper-small").arch()
    assert arch.encoder_seq_len == 1500
    setup = EstimateSetup(mode=Mode.TRAINING, method=Method.FULL, seq=448, batch=16)
    frames = estimate(arch, setup).memory.breakdown.activations_bytes
    as_text = arch.model_copy(update={"encoder_seq_len": 448})
    short = estimate(as_text, setup).memory.breakdown.activations_bytes
    assert frames > short * 1.5  # the 12 encoder layers hold 1500 positions, not 448
    longer = estimate(arch, EstimateSetup(mode=Mode.TRAINING, seq=449, batch=16))
    assert longer.memory.breakdown.activations_bytes >= frames


def test_freed_gradients_make_the_peak_the_larger_phase_not_the_sum() -> None:
    kw: dict[str, Any] = {"mode": Mode.TRAINING, "method": Method.FULL, "seq": 1024, "batch": 2}
    summed = estimate(llama2_7b(), EstimateSetup(**kw)).memory
    phased = estimate(llama2_7b(), EstimateSetup(gradients_freed=True, **kw)).memory
    b, p = summed.breakdown, phased.breakdown
    assert phased.total_bytes < summed.total_bytes
    # The peak keeps the larger of the two phases: never below either of them.
    persistent = b.weights_bytes + b.optimizer_bytes
    assert p.weights_bytes + p.optimizer_bytes + p.gradients_bytes + p.activations_bytes >= (
        persistent + max(b.gradients_bytes, b.activations_bytes)
    )
    # DeepSpeed keeps gradient buffers: no change under ZeRO.
    zero = EstimateSetup(gradients_freed=True, zero=2, **kw)
    assert (
        estimate(llama2_7b(), zero).memory.total_bytes
        == estimate(llama2_7b(), EstimateSetup(zero=2, **kw)).memory.total_bytes
    )
