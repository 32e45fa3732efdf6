"""Reading config values and listing a transformer's parameter tensors.

``ConfigReader`` turns a config.json mapping into typed values with one-line errors naming the
missing key; ``decoder_stack`` lists the tensors of a stack of transformer blocks in the layout
Hugging Face uses (``modeling_llama.py``, ``modeling_gpt2.py``, ...), from which parameter counts
are plain sums. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from advisor.errors import ConfigError
from advisor.models.arch import ModuleKind, ModuleShape

MAX_CONFIG_NUMBER = 2**53
"""Largest number a config.json size or count may hold (the largest integer a JSON reader in
float64 keeps exactly); vocabularies and widths are below 10^7, so larger is garbage."""


class ConfigReader:
    """Typed access to a config mapping; a missing or mistyped key is one ``ConfigError``."""

    def __init__(self, config: Mapping[str, Any], source: str | None = None) -> None:
        self.config = config
        self.source = source

    def _where(self) -> str:
        return f"{self.source}: " if self.source else ""

    def _fail(self, message: str) -> ConfigError:
        return ConfigError(
            f"{self._where()}{message}",
            "pass the model's full config.json (the one next to the weights)",
        )

    def has(self, *keys: str) -> bool:
        """Whether any of ``keys`` is present with a non-null value."""
        return any(self.config.get(k) is not None for k in keys)

    def num(self, *keys: str, default: int | None = None, negative_ok: bool = False) -> int | None:
        """The first present key as an int (``default`` when none is present).

        Sizes and counts are never negative (``negative_ok`` for keys where -1 means "unset")
        and never beyond ``MAX_CONFIG_NUMBER``: either is a ConfigError naming the key.
        """
        for key in keys:
            value = self.config.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self._fail(f"{key!r} should be a number, got {value!r}")
            if isinstance(value, float) and not value.is_integer():
                raise self._fail(f"{key!r} should be a whole number, got {value!r}")
            if value < 0 and not negative_ok:
                raise self._fail(f"{key!r} must not be negative, got {value!r}")
            if abs(value) > MAX_CONFIG_NUMBER:
                raise self._fail(f"{key!r} is implausibly large: {value!r}")
            return int(value)
        return default

    def req(self, *keys: str) -> int:
        """The first present key as an int; ConfigError naming ``keys[0]`` when none is."""
        value = self.num(*keys)
        if value is None:
            raise self._fail(f"config is missing {keys[0]!r}")
        if value <= 0:
            raise self._fail(f"{keys[0]!r} must be positive, got {value}")
        return value

    def real(self, key: str, default: float) -> float:
        """A non-negative number such as a probability or a ratio (``default`` when absent)."""
        value = self.config.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(f"{key!r} should be a number, got {value!r}")
        if not 0 <= value <= MAX_CONFIG_NUMBER:
            raise self._fail(f"{key!r} must be 0 to {MAX_CONFIG_NUMBER}, got {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        """A boolean flag (``default`` when absent or null)."""
        value = self.config.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._fail(f"{key!r} should be true or false, got {value!r}")
        return value

    def text(self, key: str, default: str | None = None) -> str | None:
        """A string value (``default`` when absent)."""
        value = self.config.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self._fail(f"{key!r} should be a string, got {value!r}")
        return value

    def sub(self, key: str) -> ConfigReader | None:
        """A nested config (``text_config``, ``vision_config``), or None when absent."""
        value = self.config.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self._fail(f"{key!r} should be an object, got {type(value).__name__}")
        where = f"{self.source}:{key}" if self.source else key
        return ConfigReader(value, where)

    def int_list(self, key: str, default: list[int]) -> list[int]:
        """A list of whole numbers (stage depths, conv widths), ``default`` when absent."""
        value = self.config.get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_CONFIG_NUMBER
            for v in value
        ):
            raise self._fail(f"{key!r} should be a list of whole numbers, got {value!r}")
        return value


def shape(
    name: str,
    kind: ModuleKind,
    in_features: int,
    out_features: int,
    count: int,
    *,
    bias: bool = False,
    stack: str | None = None,
) -> ModuleShape:
    """Shorthand for a ``ModuleShape``."""
    return ModuleShape(
        name=name,
        kind=kind,
        in_features=in_features,
        out_features=out_features,
        count=count,
        bias=bias,
        stack=stack,
    )


def norm(name: str, width: int, count: int, *, bias: bool, stack: str | None) -> ModuleShape:
    """A LayerNorm (weight and bias) or RMSNorm (weight only) of ``width``."""
    return shape(name, "other", 1, width, count, bias=bias, stack=stack)


@dataclass(frozen=True)
class Block:
    """One transformer block's layout, in Hugging Face module names.

    ``qkv`` fused (GPT-2 ``c_attn``, GPT-NeoX ``query_key_value``) or separate; MLP gated
    (SwiGLU/GeGLU: ``gate``, ``up``, ``down``) or plain (``up`` then ``down``). ``layer_norms``
    counts norms of width ``hidden`` per block; ``head_norms`` counts per-head q/k norms
    (Qwen3, Gemma3: RMSNorm over ``head_dim``).
    """

    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    gated: bool
    q: str = "q_proj"
    k: str = "k_proj"
    v: str = "v_proj"
    o: str = "o_proj"
    fused_qkv: str | None = None
    gate: str = "gate_proj"
    up: str = "up_proj"
    down: str = "down_proj"
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    layer_norms: int = 2
    norm_bias: bool = False
    head_norms: int = 0
    cross_attention: bool = False
    v_head_dim: int | None = None

    def facts(
        self, layers: int, vocab: int | None, positions: int | None, tied: bool | None = None
    ) -> dict[str, Any]:
        """The ``ModelArch`` fields a stack of ``layers`` such blocks fixes."""
        facts: dict[str, Any] = {
            "num_layers": layers,
            "hidden_size": self.hidden,
            "intermediate_size": self.intermediate,
            "num_attention_heads": self.heads,
            "num_key_value_heads": self.kv_heads,
            "head_dim": self.head_dim,
            "vocab_size": vocab,
            "max_position_embeddings": positions,
            "gated_mlp": self.gated,
        }
        if tied is not None:
            facts["tie_word_embeddings"] = tied
        return facts


def attention(b: Block, count: int, stack: str | None, prefix: str = "") -> list[ModuleShape]:
    """q, k, v, o projections of ``count`` attention layers (GQA/MQA through ``kv_heads``)."""
    q_out = b.heads * b.head_dim
    kv_out = b.kv_heads * b.head_dim
    v_out = b.kv_heads * (b.v_head_dim or b.head_dim)
    o_in = b.heads * (b.v_head_dim or b.head_dim)
    out: list[ModuleShape] = []
    if b.fused_qkv:
        out.append(
            shape(
                prefix + b.fused_qkv,
                "attention",
                b.hidden,
                q_out + kv_out + v_out,
                count,
                bias=b.qkv_bias,
                stack=stack,
            )
        )
    else:
        out += [
            shape(prefix + b.q, "attention", b.hidden, q_out, count, bias=b.qkv_bias, stack=stack),
            shape(prefix + b.k, "attention", b.hidden, kv_out, count, bias=b.qkv_bias, stack=stack),
            shape(prefix + b.v, "attention", b.hidden, v_out, count, bias=b.qkv_bias, stack=stack),
        ]
    out.append(shape(prefix + b.o, "attention", o_in, b.hidden, count, bias=b.o_bias, stack=stack))
    return out


def mlp(b: Block, width: int, count: int, kind: ModuleKind, stack: str | None) -> list[ModuleShape]:
    """The feed-forward projections of ``count`` MLPs (or experts) of ``width``."""
    out: list[ModuleShape] = []
    if b.gated:
        out.append(shape(b.gate, kind, b.hidden, width, count, bias=b.mlp_bias, stack=stack))
    out.append(shape(b.up, kind, b.hidden, width, count, bias=b.mlp_bias, stack=stack))
    out.append(shape(b.down, kind, width, b.hidden, count, bias=b.mlp_bias, stack=stack))
    return out


def dense_stack(b: Block, layers: int, stack: str | None) -> list[ModuleShape]:
    """``layers`` ordinary blocks: attention (+ cross-attention), MLP, norms."""
    out = attention(b, layers, stack)
    norms = b.layer_norms
    if b.cross_attention:
        out += attention(b, layers, stack, prefix="cross.")
        norms += 1
    out += mlp(b, b.intermediate, layers, "mlp", stack)
    out.append(norm("layer_norm", b.hidden, layers * norms, bias=b.norm_bias, stack=stack))
    if b.head_norms:
        out.append(norm("qk_norm", b.head_dim, layers * b.head_norms, bias=False, stack=stack))
    return out


def total(modules: Iterable[ModuleShape]) -> int:
    """Sum of parameters over ``modules``."""
    return sum(m.params for m in modules)
