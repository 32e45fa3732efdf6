"""Monotonicity properties any memory model must keep (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.estimate import estimate, weights_bytes
from advisor.models.arch import ArchType, ModelArch
from advisor.models.estimate import EstimateSetup, Method, Mode, Precision
from tests.unit.estimate.archs import llama2_7b

archs = st.builds(
    lambda layers, hidden_mult, heads, kv_div, vocab: ModelArch(
        arch_type=ArchType.DECODER,
        num_layers=layers,
        hidden_size=hidden_mult * heads * 8,
        intermediate_size=hidden_mult * heads * 24,
        num_attention_heads=heads,
        num_key_value_heads=max(heads // kv_div, 1),
        vocab_size=vocab,
        gated_mlp=True,
        params_total=layers * 12 * (hidden_mult * heads * 8) ** 2
        + 2 * vocab * hidden_mult * heads * 8,
        params_embedding=2 * vocab * hidden_mult * heads * 8,
        params_lm_head=vocab * hidden_mult * heads * 8,
    ),
    st.integers(1, 48),
    st.integers(1, 16),
    st.sampled_from([4, 8, 16, 32]),
    st.sampled_from([1, 2, 4]),
    st.integers(1000, 200_000),
)
realistic = st.builds(
    lambda a: a,
    archs.filter(lambda a: (a.num_layers or 0) >= 8 and (a.hidden_size or 0) >= 512),
)
modes = st.sampled_from([Mode.INFERENCE, Mode.TRAINING])
methods = st.sampled_from(list(Method))


def total(arch: ModelArch, **kw: Any) -> int:
    return estimate(arch, EstimateSetup(**kw)).memory.total_bytes


@settings(max_examples=60, deadline=None)
@given(archs, modes, st.integers(1, 8), st.integers(1, 4096), st.booleans())
def test_memory_grows_with_batch_and_sequence(
    arch: ModelArch, mode: Mode, batch: int, seq: int, ckpt: bool
) -> None:
    kw: dict[str, Any] = {"mode": mode, "gradient_checkpointing": ckpt}
    base = total(arch, batch=batch, seq=seq, **kw)
    assert total(arch, batch=batch + 1, seq=seq, **kw) >= base
    assert total(arch, batch=batch, seq=seq + 64, **kw) >= base


@settings(max_examples=40, deadline=None)
@given(archs, modes, st.integers(1, 10**9))
def test_memory_grows_with_parameters(arch: ModelArch, mode: Mode, extra: int) -> None:
    bigger = arch.model_copy(update={"params_total": arch.params_total + extra})
    assert total(bigger, mode=mode, seq=256) >= total(arch, mode=mode, seq=256)


@settings(max_examples=40, deadline=None)
@given(realistic, st.integers(1, 4), st.integers(16, 4096), st.integers(1, 128))
def test_qlora_le_lora_le_full(arch: ModelArch, batch: int, seq: int, rank: int) -> None:
    """With recomputation (the QLoRA recipe). Without it bitsandbytes saves every quantized
    linear's input, so QLoRA can exceed LoRA at long sequences, as litgpt's tables show.
    LoRA is low-rank by definition: the rank stays below a quarter of the width; and on toy
    models (a layer or two, a few dozen wide) LoRA's dropout copies outweigh the weights."""
    rank = max(1, min(rank, (arch.hidden_size or 4) // 4))
    kw: dict[str, Any] = {
        "mode": Mode.TRAINING,
        "batch": batch,
        "seq": seq,
        "lora_rank": rank,
        "gradient_checkpointing": True,
    }
    q = total(arch, method=Method.QLORA, precision=Precision.NF4, **kw)
    lo = total(arch, method=Method.LORA, precision=Precision.BF16, **kw)
    fu = total(arch, method=Method.FULL, precision=Precision.BF16, **kw)
    assert q <= lo <= fu


@settings(max_examples=40, deadline=None)
@given(archs, methods, st.sampled_from([2, 4, 8, 64]), st.booleans())
def test_more_zero_sharding_never_raises_per_device(
    arch: ModelArch, method: Method, gpus: int, offload: bool
) -> None:
    precision = Precision.NF4 if method is Method.QLORA else Precision.BF16
    kw: dict[str, Any] = {
        "mode": Mode.TRAINING,
        "method": method,
        "precision": precision,
        "gpus": gpus,
        "cpu_offload": offload,
        "seq": 512,
        "mixed_precision": True,
    }
    values = [total(arch, zero=z, **kw) for z in (0, 1, 2, 3)]
    assert values == sorted(values, reverse=True)


@settings(max_examples=40, deadline=None)
@given(archs, st.integers(1, 6))
def test_more_gpus_under_zero3_never_raise_per_device(arch: ModelArch, k: int) -> None:
    kw: dict[str, Any] = {"mode": Mode.TRAINING, "zero": 3, "seq": 512, "mixed_precision": True}
    assert total(arch, gpus=2 ** (k + 1), **kw) <= total(arch, gpus=2**k, **kw)


@settings(max_examples=40, deadline=None)
@given(archs, methods, st.integers(1, 4), st.integers(1, 4096), st.booleans())
def test_checkpointing_never_raises_activations(
    arch: ModelArch, method: Method, batch: int, seq: int, flash: bool
) -> None:
    precision = Precision.NF4 if method is Method.QLORA else Precision.BF16
    kw: dict[str, Any] = {
        "mode": Mode.TRAINING,
        "method": method,
        "precision": precision,
        "batch": batch,
        "seq": seq,
        "flash_attention": flash,
    }
    on = estimate(arch, EstimateSetup(gradient_checkpointing=True, **kw))
    off = estimate(arch, EstimateSetup(gradient_checkpointing=False, **kw))
    assert on.memory.breakdown.activations_bytes <= off.memory.breakdown.activations_bytes


CHAINS = [
    [Precision.FP32, Precision.BF16, Precision.INT8, Precision.GPTQ_INT4, Precision.NF4],
    [Precision.FP32, Precision.BF16, Precision.FP8],
    [
        Precision.BF16,
        Precision.GGUF_Q8_0,
        Precision.GGUF_Q6_K,
        Precision.GGUF_Q5_K_M,
        Precision.GGUF_Q4_K_M,
        Precision.GGUF_Q3_K_M,
        Precision.GGUF_Q2_K,
    ],
]


@settings(max_examples=30, deadline=None)
@given(archs)
def test_lower_precision_never_raises_weight_bytes(arch: ModelArch) -> None:
    """Within each family of formats (GGUF also quantizes embeddings, bitsandbytes does not,
    so the families are not comparable with each other on embedding-heavy toy models)."""
    for chain in CHAINS:
        sizes = [weights_bytes(arch, p) for p in chain]
        assert sizes == sorted(sizes, reverse=True)


def test_llama_precisions_in_order() -> None:
    test_lower_precision_never_raises_weight_bytes.hypothesis.inner_test(llama2_7b())  # type: ignore[attr-defined]
