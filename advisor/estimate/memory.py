"""KV cache, activations and logits: the memory that grows with batch and sequence length.

Activations follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large
Transformer Models", arXiv 2205.05198, §4.1): per layer ``sbh(34 + 5as/h)`` bytes for a GPT-style
block in 16-bit, counted tensor by tensor so that the same bookkeeping covers grouped-query
attention, gated (SwiGLU) MLPs of any width, fp32 training, flash attention (no ``as²b`` term:
FlashAttention keeps no score matrix, arXiv 2205.14135) and dropout-free decoders.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from advisor.estimate.constants import LOGITS_BYTES_PER_ELEMENT_TRAIN
from advisor.models.arch import ArchType, ModelArch


class Dims(NamedTuple):
    """The widths an activation formula needs, with defaults for what a config leaves out."""

    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    v_head_dim: int
    intermediate: int
    gated: bool
    vocab: int


def dims(arch: ModelArch) -> Dims | None:
    """Widths of ``arch``, or None when hidden size or layer count is unknown."""
    if not arch.hidden_size or not arch.num_layers:
        return None
    h = arch.hidden_size
    heads = arch.num_attention_heads or max(h // 64, 1)
    head_dim = arch.head_dim or h // heads
    inter = arch.intermediate_size or 4 * h
    if arch.is_moe and arch.moe_intermediate_size and arch.experts_per_token:
        inter = arch.moe_intermediate_size * (
            arch.experts_per_token + (arch.num_shared_experts or 0)
        )
    return Dims(
        layers=arch.num_layers + (arch.encoder_layers or 0),
        hidden=h,
        heads=heads,
        kv_heads=arch.num_key_value_heads or heads,
        head_dim=head_dim,
        v_head_dim=arch.v_head_dim or head_dim,
        intermediate=inter,
        gated=bool(arch.gated_mlp),
        vocab=arch.vocab_size or 0,
    )


def kv_cache_bytes(arch: ModelArch, tokens: int, batch: int = 1, element_bytes: float = 2.0) -> int:
    """Bytes of the KV cache for ``batch`` sequences of ``tokens`` positions.

    Per layer and token: ``2 · kv_heads · head_dim`` elements (K and V; vLLM
    ``get_kv_cache_shape``), ``kv_lora_rank + qk_rope_head_dim`` for MLA (DeepSeek-V2,
    arXiv 2405.04434 §2.1.2), at most ``sliding_window`` tokens on sliding-window layers.
    Encoder-only models cache nothing; encoder-decoders add the cross-attention cache over the
    encoder positions. Llama-2-7B, 4096 tokens, fp16: 2·32·4096·4096·2 B = 2 GiB.
    """
    d = dims(arch)
    if d is None or arch.arch_type in (ArchType.ENCODER, ArchType.VISION):
        return 0
    layers = arch.num_layers or d.layers
    if arch.uses_mla:
        per_token_layer = float((arch.kv_lora_rank or 0) + (arch.qk_rope_head_dim or 0))
    else:
        per_token_layer = float(d.kv_heads * (d.head_dim + d.v_head_dim))
    if arch.sliding_window and arch.sliding_window < tokens:
        window_layers = min(arch.sliding_window_layers or layers, layers)
        positions = window_layers * arch.sliding_window + (layers - window_layers) * tokens
    else:
        positions = layers * tokens
    total = positions * per_token_layer
    if arch.arch_type is ArchType.ENCODER_DECODER:
        total += (
            layers * (arch.encoder_seq_len or tokens) * d.kv_heads * (d.head_dim + d.v_head_dim)
        )
    return math.ceil(total * batch * element_bytes)


def _uses_dropout(arch: ModelArch) -> bool:
    # Encoders (BERT, ViT, T5) train with dropout 0.1; current decoder LLMs use 0.
    return arch.arch_type is not ArchType.DECODER


def layer_activation_bytes(
    arch: ModelArch,
    seq: int,
    batch: int,
    *,
    element_bytes: float = 2.0,
    flash_attention: bool = True,
    score_bytes: float | None = None,
) -> float:
    """Bytes one transformer layer saves for backward (Korthikanti et al. §4.1, generalised).

    Counted per token (``sb``): both norm inputs (2·e·h), the QKV input (e·h), Q and K (for the
    score matmul) and V, the output-projection input, the MLP input, and the MLP intermediates
    (2·I non-gated: fc1 output and activation output; 4·I gated: gate, up, activation and their
    product); plus 1-byte dropout masks on the attention output and MLP output when the model
    uses dropout. Without flash attention the softmax output (``e·a·s²·b``), and with dropout its
    mask and dropped copy, add the ``5as²b`` term. For GPT-style (I = 4h, a·d = h, dropout, 16-bit)
    this is exactly ``sbh·34 + 5·a·s²·b``. ``score_bytes`` is the softmax element size when it
    differs (torch autocast runs softmax in fp32, so AMP keeps fp32 scores: 4 B, not 2).
    """
    d = dims(arch)
    if d is None:
        return 0.0
    e = element_bytes
    q = d.heads * d.head_dim
    kv = d.kv_heads * d.head_dim
    v = d.kv_heads * d.v_head_dim
    dropout = _uses_dropout(arch)
    per_token = e * (2 * d.hidden + d.hidden + q + kv + v + d.heads * d.v_head_dim + d.hidden)
    per_token += e * d.intermediate * (4 if d.gated else 2)
    if dropout:
        per_token += 2 * d.hidden  # masks after attention and after the MLP (1 byte each)
    total = per_token * seq * batch
    if not flash_attention:
        scores = d.heads * seq * seq * batch
        se = e if score_bytes is None else score_bytes
        total += scores * (se + (1 + se if dropout else 0))
    return total


def training_activation_bytes(
    arch: ModelArch,
    seq: int,
    batch: int,
    *,
    element_bytes: float = 2.0,
    flash_attention: bool = True,
    checkpointing: bool = False,
    offload: bool = False,
    trainable_layers: int | None = None,
    score_bytes: float | None = None,
) -> float:
    """Activations kept across forward and backward for the layers that need gradients.

        Without recomputation every (trainable) layer keeps its full set. With full recomputation a
        layer keeps only its input (``e·sbh``, Korthikanti §4.2: 2sbh in 16-bit) and one layer's
        full set exists at a time while it is recomputed (the first saved input is the embedding
    output). With activation offload the saved inputs
        go to host memory and the device holds two layers' worth (the one in use and the next one
        being copied). The embedding output (``e·sbh``) is added once.
    """
    d = dims(arch)
    if d is None:
        return 0.0
    enc_layers, enc_seq = arch.encoder_layers or 0, arch.encoder_seq_len
    if trainable_layers is None and enc_layers and enc_seq and enc_seq != seq:
        # A fixed-length encoder (Whisper: 30 s of audio padded to 3000 mel frames, 1500
        # positions after the stride-2 convolution; transformers WhisperFeatureExtractor pads to
        # 30 s) runs at its own length whatever the decoder's: each stack at its own length.
        parts = [
            training_activation_bytes(
                arch,
                length,
                batch,
                element_bytes=element_bytes,
                flash_attention=flash_attention,
                checkpointing=checkpointing,
                offload=offload,
                trainable_layers=count,
                score_bytes=score_bytes,
            )
            for length, count in ((seq, d.layers - enc_layers), (enc_seq, enc_layers))
        ]
        return sum(parts)
    layers = d.layers if trainable_layers is None else min(trainable_layers, d.layers)
    if layers == 0:
        return 0.0
    one = layer_activation_bytes(
        arch,
        seq,
        batch,
        element_bytes=element_bytes,
        flash_attention=flash_attention,
        score_bytes=score_bytes,
    )
    boundary = element_bytes * seq * batch * d.hidden
    if offload:
        return 2 * one + boundary
    if checkpointing:
        return layers * boundary + one  # the first layer's input is the embedding output
    return layers * one + boundary


def activation_offload_host_bytes(
    arch: ModelArch, seq: int, batch: int, *, element_bytes: float = 2.0
) -> float:
    """Host memory for offloaded layer inputs (``e·sbh`` per layer)."""
    d = dims(arch)
    return 0.0 if d is None else d.layers * element_bytes * seq * batch * d.hidden


def training_logits_bytes(arch: ModelArch, seq: int, batch: int, *, chunked: bool) -> float:
    """Logits and loss buffers of a language-model head: ``b·s·V`` elements at
    ``LOGITS_BYTES_PER_ELEMENT_TRAIN`` bytes (16-bit logits, fp32 upcast, log-softmax). Chunked
    or fused cross-entropy (Liger, torchtune ``CEWithChunkedOutputLoss``) materialises one
    chunk at a time; we count 1/8 of the sequence (torchtune's 8 chunks). Encoder-only models
    are assumed to train a small classification head (no vocabulary logits)."""
    d = dims(arch)
    if d is None or not d.vocab or arch.arch_type in (ArchType.ENCODER, ArchType.VISION):
        return 0.0
    elements = batch * seq * d.vocab
    if chunked:
        return elements / 8 * 4 + elements * 2  # fp32 chunk + the 16-bit logits gradient
    return elements * LOGITS_BYTES_PER_ELEMENT_TRAIN


def inference_activation_bytes(
    arch: ModelArch,
    seq: int,
    batch: int,
    *,
    element_bytes: float = 2.0,
    flash_attention: bool = True,
) -> float:
    """Peak working set of a prefill (no autograd): one layer's live tensors, the residual
    stream, and the last position's logits in fp32.

    Live at the widest point: residual + norm output (2h), Q/K/V, and the MLP intermediates
    (3·I gated, 2·I otherwise); eager attention adds the ``a·s²`` score matrix in 16-bit plus
    its fp32 softmax (transformers upcasts softmax to fp32).
    """
    d = dims(arch)
    if d is None:
        return 0.0
    q = d.heads * d.head_dim
    kv = d.kv_heads * (d.head_dim + d.v_head_dim)
    per_token = element_bytes * (2 * d.hidden + q + kv + d.intermediate * (3 if d.gated else 2))
    total = per_token * seq * batch
    if not flash_attention:
        total += d.heads * seq * seq * batch * (element_bytes + 4)
    if d.vocab and arch.arch_type is not ArchType.ENCODER:
        total += batch * d.vocab * 4
    return total
