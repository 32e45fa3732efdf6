"""Architecture facts the estimators need, derived from a config.json or a catalog record.

Owned by the estimators (advisor.estimate.config builds it). Fields are what a memory or speed
formula reads; anything a config does not state is ``None``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from advisor.models.base import Field, Frozen


class ArchType(StrEnum):
    """Broad architecture classes (catalog ``architecture`` uses the same values)."""

    DECODER = "decoder"
    ENCODER = "encoder"
    ENCODER_DECODER = "encoder-decoder"
    VISION = "vision"
    DIFFUSION = "diffusion"
    OTHER = "other"


ModuleKind = Literal[
    "attention", "mlp", "expert", "shared_expert", "router", "embedding", "lm_head", "other"
]
"""What a parameter tensor does.

``attention``/``mlp``/``expert``/``shared_expert``/``router``/``lm_head`` are linear layers (the
targets of LoRA and of weight-only quantisation); ``embedding`` is a lookup table (token or
position; formats such as GGUF keep it at higher precision); ``other`` holds everything else:
norms, convolutions, patch projections, biases outside linears, class tokens.
"""

LINEAR_KINDS: frozenset[str] = frozenset(
    {"attention", "mlp", "expert", "shared_expert", "router", "lm_head"}
)
"""Module kinds that are ``nn.Linear`` layers (weight ``out_features × in_features``)."""


class ModuleShape(Frozen):
    """One kind of parameter tensor, repeated ``count`` times across the whole model.

    For a linear layer ``in_features``/``out_features`` are those of ``nn.Linear``; for an
    embedding table ``in_features`` is the number of rows (vocabulary or positions) and
    ``out_features`` the width. Non-linear tensors (``kind="other"``: norms, convolutions) are
    written as ``in_features × out_features`` with the same parameter count, e.g. a LayerNorm of
    width ``d`` is ``1 × d`` with ``bias=True`` (weight and bias), a Conv1d ``C_in → C_out`` with
    kernel ``k`` is ``C_in·k × C_out``.
    """

    name: str = Field(description="Hugging Face module name (leaf), e.g. q_proj, fc1, wte.")
    kind: ModuleKind
    in_features: int = Field(ge=0)
    out_features: int = Field(ge=0)
    count: int = Field(ge=0, description="Instances in the whole model (experts multiplied).")
    bias: bool = False
    stack: str | None = Field(
        default=None,
        description="Which part of the model: decoder, encoder, vision, projector, ...",
    )

    @property
    def weight_params(self) -> int:
        """Weight parameters over all instances (bias excluded)."""
        return self.count * self.in_features * self.out_features

    @property
    def params(self) -> int:
        """All parameters over all instances (weight plus bias)."""
        return self.count * (
            self.in_features * self.out_features + (self.out_features if self.bias else 0)
        )

    @property
    def is_linear(self) -> bool:
        """Whether this is an ``nn.Linear`` (a LoRA / weight-quantisation target)."""
        return self.kind in LINEAR_KINDS


class ModelArch(Frozen):
    """A model's shape and parameter counts."""

    model_type: str | None = Field(default=None, description="config.json model_type")
    arch_type: ArchType
    num_layers: int | None = Field(default=None, description="Decoder (or only) layers.")
    encoder_layers: int | None = Field(default=None, description="Encoder-decoder: encoder.")
    hidden_size: int | None = None
    intermediate_size: int | None = None
    num_attention_heads: int | None = None
    num_key_value_heads: int | None = None
    head_dim: int | None = None
    vocab_size: int | None = None
    max_position_embeddings: int | None = None
    tie_word_embeddings: bool = False
    sliding_window: int | None = None
    sliding_window_layers: int | None = Field(
        default=None, description="How many layers use the sliding window (None: all, if set)."
    )
    num_experts: int | None = Field(default=None, description="Routed experts per MoE layer.")
    experts_per_token: int | None = None
    kv_lora_rank: int | None = Field(default=None, description="MLA latent KV size (DeepSeek).")
    qk_rope_head_dim: int | None = None
    params_total: int = Field(ge=0)
    params_active: int | None = Field(default=None, description="MoE: used per token.")
    params_embedding: int = Field(default=0, ge=0, description="Input (+untied output) embedding.")
    # Added after the first version (all optional, so hand-built archs keep working).
    q_lora_rank: int | None = Field(default=None, description="MLA query low-rank size.")
    qk_nope_head_dim: int | None = Field(default=None, description="MLA non-rotary q/k size.")
    v_head_dim: int | None = Field(default=None, description="Value head size when ≠ head_dim.")
    num_shared_experts: int | None = Field(default=None, description="MoE always-on experts.")
    moe_intermediate_size: int | None = Field(default=None, description="Width of one expert.")
    moe_layers: int | None = Field(
        default=None, description="Layers with routed experts (None: all layers, if MoE)."
    )
    gated_mlp: bool | None = Field(
        default=None, description="MLP has gate and up projections (SwiGLU/GeGLU)."
    )
    encoder_seq_len: int | None = Field(
        default=None,
        description="Encoder positions the decoder cross-attends to (Whisper: 1500 frames).",
    )
    params_lm_head: int = Field(
        default=0, ge=0, description="Untied output projection (0 when tied or absent)."
    )
    modules: tuple[ModuleShape, ...] = Field(
        default=(),
        description="Every parameter tensor kind with its count (empty when only params known).",
    )
    notes: tuple[str, ...] = Field(
        default=(), description="Assumptions made while reading the config."
    )

    @property
    def is_moe(self) -> bool:
        """Whether the model routes tokens to a subset of experts."""
        return bool(self.num_experts and self.num_experts > 1)

    @property
    def uses_mla(self) -> bool:
        """Whether attention caches a compressed latent (DeepSeek MLA) instead of K and V."""
        return self.kv_lora_rank is not None
