"""Bytes of the weights at each precision and quantization format.

A model's parameters are split into linear weights (what weight-only quantization compresses),
the input embedding, the output head, and the rest (norms, biases, convolutions), because every
format keeps some of them at higher precision:

- bitsandbytes LLM.int8() and 4-bit (NF4/FP4) quantize ``nn.Linear`` layers except the output
  head (transformers ``llm_int8_skip_modules`` default keeps ``lm_head``); embeddings stay 16-bit.
- GPTQ/AWQ checkpoints quantize the decoder linears; embeddings and head stay fp16.
- GGUF quantizes the token embedding to the file's base type and the output tensor to Q6_K
  (llama.cpp ``llama_tensor_get_type``); norms are fp32.
"""

from __future__ import annotations

from typing import NamedTuple

from advisor.estimate.constants import (
    BNB_4BIT_BLOCK,
    BNB_DQ_BLOCK,
    BNB_INT8_SCALE_BYTES,
    GPTQ_GROUP_SIZE,
)
from advisor.models.arch import LINEAR_KINDS, ModelArch
from advisor.models.estimate import EstimateSetup, Precision

# Block layouts from ggml (ggml-common.h): bytes per block / weights per block × 8.
GGUF_TYPE_BITS: dict[str, float] = {
    "q4_0": 18 * 8 / 32,  # fp16 scale + 32 × 4 bit = 4.5
    "q4_1": 20 * 8 / 32,  # fp16 scale and min = 5.0
    "q5_0": 22 * 8 / 32,  # 5.5
    "q5_1": 24 * 8 / 32,  # 6.0
    "q8_0": 34 * 8 / 32,  # 8.5
    "q2_k": 84 * 8 / 256,  # 2.625
    "q3_k": 110 * 8 / 256,  # 3.4375
    "q4_k": 144 * 8 / 256,  # 4.5
    "q5_k": 176 * 8 / 256,  # 5.5
    "q6_k": 210 * 8 / 256,  # 6.5625
    "iq2_xxs": 66 * 8 / 256,  # 2.0625
    "iq3_xxs": 98 * 8 / 256,  # 3.0625
    "iq4_xs": 136 * 8 / 256,  # 4.25
    "iq4_nl": 18 * 8 / 32,  # 4.5
}

# Mixes (llama.cpp ``llama_tensor_get_type``): base type, the type of the tensors it upgrades
# (attn_v, ffn_down on the "use_more_bits" layers, attn_output for Q3), and the share of linear
# weights upgraded. ffn_down ≈ 1/3 of a gated MLP and attn_v ≈ 1/4 of MHA attention; about half
# of the layers use more bits, giving ≈15 % for *_M mixes (Q4_K_M ≈ 4.8 bpw on Llama-2-7B,
# as llama.cpp's quantize README lists).
GGUF_MIXES: dict[str, tuple[str, str, float]] = {
    "q2_k": ("q2_k", "q4_k", 0.15),
    "q3_k_s": ("q3_k", "q3_k", 0.0),
    "q3_k_m": ("q3_k", "q4_k", 0.30),
    "q3_k_l": ("q3_k", "q5_k", 0.30),
    "q4_0": ("q4_0", "q4_0", 0.0),
    "q4_1": ("q4_1", "q4_1", 0.0),
    "q4_k_s": ("q4_k", "q5_k", 0.08),
    "q4_k_m": ("q4_k", "q6_k", 0.15),
    "q5_0": ("q5_0", "q5_0", 0.0),
    "q5_1": ("q5_1", "q5_1", 0.0),
    "q5_k_s": ("q5_k", "q5_k", 0.0),
    "q5_k_m": ("q5_k", "q6_k", 0.15),
    "q6_k": ("q6_k", "q6_k", 0.0),
    "q8_0": ("q8_0", "q8_0", 0.0),
    "iq2_xxs": ("iq2_xxs", "q4_k", 0.10),
    "iq3_xxs": ("iq3_xxs", "q4_k", 0.10),
    "iq4_xs": ("iq4_xs", "iq4_xs", 0.0),
    "iq4_nl": ("iq4_nl", "iq4_nl", 0.0),
}

MXFP4_BITS = 4 + 8 / 32
"""MXFP4: 32 FP4 (E2M1) elements share one 8-bit E8M0 scale (OCP Microscaling Formats (MX)
Specification v1.0, 2023, section 5): 4.25 bits per weight."""

FLOAT_BYTES: dict[Precision, float] = {
    Precision.FP32: 4.0,
    Precision.BF16: 2.0,
    Precision.FP16: 2.0,
}


class ParamSplit(NamedTuple):
    """Parameter counts by how formats treat them."""

    linear: int
    embedding: int
    lm_head: int
    other: int
    linear_rows: int = 0
    """Sum of ``out_features`` over linear weights (per-row scales); 0 when unknown."""

    @property
    def total(self) -> int:
        """All parameters."""
        return self.linear + self.embedding + self.lm_head + self.other


_SPLITS: dict[int, tuple[ModelArch, ParamSplit]] = {}
"""``split_params`` answers by ``id`` of the architecture; each entry holds its architecture, so
the id cannot be reused while the entry lives. A recommend run asks ~5 times per model."""
_SPLITS_MAX = 4096


def split_params(arch: ModelArch) -> ParamSplit:
    """Split ``arch.params_total`` into linear / embedding / head / other.

    Uses ``arch.modules`` when present; otherwise the embedding and head counts the arch
    states, norms as ``(2·layers + 1)·hidden`` and the rest as linear. Architectures are
    frozen, so the answer is remembered per architecture object.
    """
    hit = _SPLITS.get(id(arch))
    if hit is not None and hit[0] is arch:
        return hit[1]
    split = _split_params(arch)
    if len(_SPLITS) >= _SPLITS_MAX:
        _SPLITS.clear()
    _SPLITS[id(arch)] = (arch, split)
    return split


def _split_params(arch: ModelArch) -> ParamSplit:
    if arch.modules:
        linear = embedding = head = other = rows = 0
        for m in arch.modules:
            # ModuleShape.weight_params and .params, inlined: this loop runs for every layer
            # type of every candidate.
            weights = m.count * m.in_features * m.out_features
            bias = m.count * m.out_features if m.bias else 0
            if m.kind == "embedding":
                embedding += weights + bias
            elif m.kind == "lm_head":
                head += weights
                other += bias
            elif m.kind in LINEAR_KINDS:
                linear += weights
                rows += m.count * m.out_features
                other += bias
            else:
                other += weights + bias
        # Trust the model's total when the module list misses something (e.g. custom layers).
        missing = arch.params_total - (linear + embedding + head + other)
        if missing > 0:
            linear += missing
        return ParamSplit(linear, embedding, head, other, rows)
    head = arch.params_lm_head
    embedding = max(arch.params_embedding - head, 0)
    if arch.params_embedding == 0 and arch.vocab_size and arch.hidden_size:
        embedding = arch.vocab_size * arch.hidden_size
        if not arch.tie_word_embeddings and arch.arch_type.value != "encoder":
            head = embedding
    other = 0
    if arch.num_layers and arch.hidden_size:
        other = (2 * (arch.num_layers + (arch.encoder_layers or 0)) + 1) * arch.hidden_size
    linear = max(arch.params_total - embedding - head - other, 0)
    return ParamSplit(linear, embedding, head, other)


def gguf_bits(precision: Precision) -> tuple[float, float]:
    """Average bits per linear weight of a GGUF mix, and of its base type (embedding)."""
    base, upgraded, share = GGUF_MIXES[precision.value.removeprefix("gguf-")]
    b, u = GGUF_TYPE_BITS[base], GGUF_TYPE_BITS[upgraded]
    return b * (1 - share) + u * share, b


def linear_bits(precision: Precision, *, double_quant: bool = True) -> float:
    """Bits per linear weight, scale and zero-point overhead included."""
    if precision in FLOAT_BYTES:
        return FLOAT_BYTES[precision] * 8
    if precision in (Precision.FP8, Precision.INT8):
        return 8.0
    if precision in (Precision.NF4, Precision.INT4):
        # 4 bits + absmax per 64 weights: fp32 (0.5 bit) or double-quantized (0.127 bit).
        # ``nf4`` means the QLoRA recipe (double quant); ``int4`` plain bitsandbytes 4-bit.
        dq = double_quant and precision is Precision.NF4
        absmax = 8 / BNB_4BIT_BLOCK + 32 / (BNB_4BIT_BLOCK * BNB_DQ_BLOCK)
        return 4 + (absmax if dq else 32 / BNB_4BIT_BLOCK)
    if precision in (Precision.GPTQ_INT4, Precision.AWQ_INT4):
        return 4 + (16 + 4) / GPTQ_GROUP_SIZE  # fp16 scale + packed 4-bit zero per group
    if precision is Precision.MXFP4:
        return MXFP4_BITS
    return gguf_bits(precision)[0]


def _expert_params(arch: ModelArch) -> int:
    """Weights of the MoE expert linears (``kind == "expert"`` modules); 0 when not listed."""
    return sum(m.count * m.in_features * m.out_features for m in arch.modules if m.kind == "expert")


def weights_bytes(arch: ModelArch, precision: Precision, *, double_quant: bool = True) -> int:
    """Bytes of all weights stored at ``precision`` (see the module docstring for what stays
    at higher precision). ``double_quant`` applies to NF4/INT4 only (QLoRA's default)."""
    split = split_params(arch)
    if precision in FLOAT_BYTES:
        return round(split.total * FLOAT_BYTES[precision])
    if precision is Precision.MXFP4:
        # gpt-oss quantises only the expert weights; attention, router, embeddings, head and
        # norms ship in bf16 (its config's quantization_config modules_to_not_convert).
        experts = _expert_params(arch) or split.linear
        return round(experts * MXFP4_BITS / 8 + (split.total - experts) * 2)
    linear = split.linear * linear_bits(precision, double_quant=double_quant) / 8
    if precision.is_gguf:
        base = gguf_bits(precision)[1]
        emb = split.embedding * base / 8
        head = split.lm_head * GGUF_TYPE_BITS["q8_0" if base >= 8 else "q6_k"] / 8
        return round(linear + emb + head + split.other * 4)
    if precision is Precision.INT8:
        linear += split.linear_rows * BNB_INT8_SCALE_BYTES
    # Embeddings, head and norms stay 16-bit in bitsandbytes, GPTQ, AWQ and FP8 checkpoints.
    return round(linear + (split.embedding + split.lm_head + split.other) * 2)


def bytes_read_per_token(arch: ModelArch, precision: Precision) -> float:
    """Weight bytes a decode step streams from memory: every linear (only the active experts of
    an MoE) and the head; the input embedding is a row lookup and is not read in full."""
    split = split_params(arch)
    total = weights_bytes(arch, precision)
    if precision.is_gguf:
        emb = split.embedding * gguf_bits(precision)[1] / 8
    else:
        emb = split.embedding * FLOAT_BYTES.get(precision, 2.0)
    if arch.tie_word_embeddings and split.lm_head == 0:
        emb = 0.0  # the tied table is read in full as the output head
    streamed = total - emb
    if arch.is_moe and arch.params_active and arch.params_total:
        dense = split.total - split.linear
        active_linear = max(arch.params_active - dense, 0)
        if split.linear:
            streamed -= (split.linear - active_linear) * linear_bits(precision) / 8
    return max(streamed, 0.0)


KV_BYTES: dict[Precision, float] = {
    Precision.FP32: 4.0,
    Precision.BF16: 2.0,
    Precision.FP16: 2.0,
    Precision.FP8: 1.0,
    Precision.INT8: 1.0,
    Precision.INT4: 0.5,
    Precision.GGUF_Q8_0: GGUF_TYPE_BITS["q8_0"] / 8,
    Precision.GGUF_Q4_0: GGUF_TYPE_BITS["q4_0"] / 8,
    Precision.GGUF_Q4_1: GGUF_TYPE_BITS["q4_1"] / 8,
    Precision.GGUF_Q5_0: GGUF_TYPE_BITS["q5_0"] / 8,
    Precision.GGUF_Q5_1: GGUF_TYPE_BITS["q5_1"] / 8,
    Precision.GGUF_IQ4_NL: GGUF_TYPE_BITS["iq4_nl"] / 8,
}
"""Bytes per cached K/V element: vLLM ``kv_cache_dtype`` fp8, llama.cpp ``--cache-type-k``
q8_0/q4_0/q4_1/q5_0/q5_1/iq4_nl, HF ``QuantizedCache`` int4/int8 (scales ignored)."""


def kv_element_bytes(setup: EstimateSetup) -> float:
    """Bytes per cached element: the requested cache precision, else 16-bit (fp32 for fp32)."""
    if setup.kv_cache_precision is not None:
        return KV_BYTES.get(setup.kv_cache_precision, 2.0)
    return 4.0 if setup.precision is Precision.FP32 else 2.0
