"""Decoder-only language models: config.json → parameter tensors and architecture facts.

One reader per family, each following the family's Hugging Face ``modeling_*.py`` layout
(module names, which projections carry a bias, which norms exist, whether the output projection
is tied to the input embedding). Defaults for keys a config leaves out are the defaults of the
family's ``configuration_*.py`` in transformers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from advisor.estimate.params import Block, ConfigReader, attention, mlp, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleKind, ModuleShape

DEC = "decoder"


def finish(
    model_type: str,
    arch_type: ArchType,
    modules: list[ModuleShape],
    *,
    active_exclude: int = 0,
    notes: tuple[str, ...] = (),
    **facts: Any,
) -> ModelArch:
    """Sum ``modules`` into a ``ModelArch``; ``active_exclude`` is what one token never uses."""
    total = sum(m.params for m in modules)
    embedding = sum(m.params for m in modules if m.kind == "embedding")
    lm_head = sum(m.params for m in modules if m.kind == "lm_head")
    active = total - active_exclude if active_exclude else None
    return ModelArch(
        model_type=model_type,
        arch_type=arch_type,
        params_total=total,
        params_active=active,
        params_embedding=embedding + lm_head,
        params_lm_head=lm_head,
        modules=tuple(modules),
        notes=notes,
        **facts,
    )


def _embed_and_head(
    vocab: int, hidden: int, tied: bool, *, embed: str = "embed_tokens", head_bias: bool = False
) -> list[ModuleShape]:
    out = [shape(embed, "embedding", vocab, hidden, 1, stack=DEC)]
    if not tied:
        out.append(shape("lm_head", "lm_head", hidden, vocab, 1, bias=head_bias, stack=DEC))
    return out


def llama_like(r: ConfigReader, model_type: str) -> ModelArch:
    """Llama, Mistral, Mixtral, Qwen2/3 (+MoE), Gemma 1/2/3, Phi-3, StableLM and relatives.

    Layout: ``modeling_llama.py`` (q/k/v/o, gate/up/down, two RMSNorms per layer, final norm);
    per-family differences noted inline.
    """
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    kv_heads = r.num("num_key_value_heads") or heads
    head_dim = r.num("head_dim") or hidden // heads
    vocab = r.req("vocab_size")
    inter = r.num("intermediate_size")
    # Gemma's modeling code always ties the output projection; so do Qwen2's small sizes when
    # their config says so. transformers' PretrainedConfig default is True.
    tied = r.flag("tie_word_embeddings", model_type.startswith("gemma"))
    attn_bias = r.flag("attention_bias", False)
    b = Block(
        hidden=hidden,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate=inter or 0,
        gated=True,
        qkv_bias=attn_bias or model_type in ("qwen2", "qwen2_moe"),  # modeling_qwen2.py
        o_bias=attn_bias,
        mlp_bias=r.flag("mlp_bias", False),
    )
    notes: list[str] = []
    if model_type in ("gemma2", "gemma3_text", "gemma3"):
        b = replace(b, layer_norms=4)  # pre/post attention and pre/post feed-forward norms
    if model_type in ("qwen3", "qwen3_moe", "gemma3_text", "gemma3"):
        b = replace(b, head_norms=2)  # q_norm, k_norm over head_dim
    if model_type == "phi3":
        b = replace(b, fused_qkv="qkv_proj", gate="gate_up_proj")
    if model_type == "stablelm":
        # modeling_stablelm.py: LayerNorm with bias, optional q/k/v bias.
        b = replace(b, norm_bias=True, qkv_bias=r.flag("use_qkv_bias", False))
    norm_bias = model_type == "stablelm"

    mods = _embed_and_head(vocab, hidden, tied)
    mods += attention(b, layers, DEC)
    moe = _moe_facts(r, model_type, layers)
    dense_layers = layers - moe.layers
    if dense_layers:
        if not inter:
            inter = r.req("intermediate_size")
        mods += _mlp(b, inter, dense_layers, "mlp")
    exclude = 0
    if moe.layers:
        router = "gate"
        mods.append(shape(router, "router", hidden, moe.experts, moe.layers, stack=DEC))
        experts = _mlp(b, moe.width, moe.layers * moe.experts, "expert", mixtral=moe.mixtral)
        mods += experts
        per_expert = sum(m.params for m in experts) // moe.experts
        exclude = per_expert * (moe.experts - moe.top_k)
        if moe.shared_width:
            mods += _mlp(b, moe.shared_width, moe.layers, "shared_expert", prefix="shared_expert.")
            mods.append(shape("shared_expert_gate", "router", hidden, 1, moe.layers, stack=DEC))
    mods.append(norm("layer_norm", hidden, layers * b.layer_norms, bias=norm_bias, stack=DEC))
    if b.head_norms:
        mods.append(norm("qk_norm", head_dim, layers * b.head_norms, bias=False, stack=DEC))
    mods.append(norm("norm", hidden, 1, bias=norm_bias, stack=DEC))

    window, window_layers = _sliding(r, model_type, layers)
    if window is not None and window_layers is not None and window_layers < layers:
        notes.append(f"{window_layers} of {layers} layers use a {window}-token sliding window")
    return finish(
        model_type,
        ArchType.DECODER,
        mods,
        active_exclude=exclude,
        notes=tuple(notes),
        num_layers=layers,
        hidden_size=hidden,
        intermediate_size=inter,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        head_dim=head_dim,
        vocab_size=vocab,
        max_position_embeddings=r.num("max_position_embeddings"),
        tie_word_embeddings=tied,
        sliding_window=window,
        sliding_window_layers=window_layers,
        num_experts=moe.experts or None,
        experts_per_token=moe.top_k or None,
        moe_intermediate_size=moe.width or None,
        moe_layers=moe.layers or None,
        num_shared_experts=(1 if moe.shared_width else None) if moe.layers else None,
        gated_mlp=True,
    )


def _mlp(
    b: Block,
    width: int,
    count: int,
    kind: ModuleKind,
    *,
    mixtral: bool = False,
    prefix: str = "",
) -> list[ModuleShape]:
    """Gated MLPs; Mixtral names its expert projections w1 (gate), w3 (up), w2 (down)."""
    if mixtral:
        b = replace(b, gate="w1", up="w3", down="w2")
    if prefix:
        b = replace(b, gate=prefix + b.gate, up=prefix + b.up, down=prefix + b.down)
    if b.gate == "gate_up_proj":  # Phi-3 fuses gate and up into one 2×width projection
        return [
            shape("gate_up_proj", kind, b.hidden, 2 * width, count, stack=DEC),
            shape("down_proj", kind, width, b.hidden, count, stack=DEC),
        ]
    return mlp(b, width, count, kind, DEC)


class _Moe:
    """Routed-expert facts of a config (all zero for a dense model)."""

    def __init__(self) -> None:
        self.experts = 0
        self.top_k = 0
        self.width = 0
        self.layers = 0
        self.shared_width = 0
        self.mixtral = False


def _moe_facts(r: ConfigReader, model_type: str, layers: int) -> _Moe:
    moe = _Moe()
    experts = r.num("num_local_experts", "num_experts", "n_routed_experts")
    if not experts or experts <= 1:
        return moe
    moe.experts = experts
    moe.top_k = r.num("num_experts_per_tok", default=2) or 2
    moe.mixtral = model_type == "mixtral"
    # Mixtral experts have the dense width; Qwen-MoE experts are moe_intermediate_size wide.
    moe.width = r.num("moe_intermediate_size") or r.req("intermediate_size")
    # Qwen2/3-MoE: every decoder_sparse_step-th layer is sparse, except mlp_only_layers.
    step = r.num("decoder_sparse_step", default=1) or 1
    dense_only = r.int_list("mlp_only_layers", [])
    moe.layers = sum(1 for i in range(layers) if (i + 1) % step == 0 and i not in dense_only)
    moe.shared_width = r.num("shared_expert_intermediate_size") or 0
    return moe


def _sliding(r: ConfigReader, model_type: str, layers: int) -> tuple[int | None, int | None]:
    """The sliding window and how many layers use it.

    Mistral v0.1 applies it to every layer; Gemma 2 alternates local and global layers
    (``modeling_gemma2.py``: even layers slide); Gemma 3 makes ``sliding_window_pattern - 1`` of
    every ``sliding_window_pattern`` layers local (Gemma 3 report, 5:1). Qwen2 ignores the
    window unless ``use_sliding_window`` is set. gpt-oss alternates banded (sliding) and full
    attention layers starting with a sliding one (model card: "alternating dense and locally
    banded sparse attention"; the released config.json ``layer_types``, which GptOssConfig
    also builds when the list is omitted). An explicit ``layer_types`` list wins.
    """
    window = r.num("sliding_window")
    if window is None:
        return None, None
    layer_types = r.config.get("layer_types")
    if isinstance(layer_types, list) and layer_types:
        count = sum(1 for t in layer_types if t == "sliding_attention")
        return (window, count) if count else (None, None)
    if model_type.startswith("qwen") and not r.flag("use_sliding_window", False):
        return None, None
    if model_type in ("gemma2", "gpt_oss"):
        return window, (layers + 1) // 2
    if model_type in ("gemma3", "gemma3_text"):
        pattern = r.num("sliding_window_pattern", default=6) or 6
        return window, sum(1 for i in range(layers) if (i + 1) % pattern != 0)
    return window, layers


def deepseek(r: ConfigReader, model_type: str) -> ModelArch:
    """DeepSeek-V2/V3: multi-head latent attention and fine-grained + shared experts.

    Layout from ``modeling_deepseek_v3.py`` and the V2 paper (arXiv 2405.04434 §2.1): queries
    through an optional low-rank ``q_a_proj → q_b_proj``; keys and values from one latent
    ``kv_a_proj_with_mqa`` (kv_lora_rank + rope dims) expanded by ``kv_b_proj``. The first
    ``first_k_dense_replace`` layers are dense. Multi-token-prediction layers
    (``num_nextn_predict_layers``) are not part of the inference model and are not counted.
    """
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    inter = r.req("intermediate_size")
    kv_rank = r.req("kv_lora_rank")
    q_rank = r.num("q_lora_rank")
    rope = r.req("qk_rope_head_dim")
    nope = r.req("qk_nope_head_dim")
    v_dim = r.req("v_head_dim")
    experts = r.num("n_routed_experts") or 0
    top_k = r.num("num_experts_per_tok") or 0
    shared = r.num("n_shared_experts") or 0
    width = r.num("moe_intermediate_size") or inter
    first_dense = r.num("first_k_dense_replace", default=0) or 0
    freq = r.num("moe_layer_freq", default=1) or 1
    moe_layers = sum(1 for i in range(first_dense, layers) if i % freq == 0) if experts else 0
    tied = r.flag("tie_word_embeddings", False)
    bias = r.flag("attention_bias", False)

    mods = _embed_and_head(vocab, hidden, tied)
    qk = nope + rope
    if q_rank:
        mods.append(shape("q_a_proj", "attention", hidden, q_rank, layers, bias=bias, stack=DEC))
        mods.append(norm("q_a_layernorm", q_rank, layers, bias=False, stack=DEC))
        mods.append(shape("q_b_proj", "attention", q_rank, heads * qk, layers, stack=DEC))
    else:
        mods.append(shape("q_proj", "attention", hidden, heads * qk, layers, stack=DEC))
    mods += [
        shape(
            "kv_a_proj_with_mqa", "attention", hidden, kv_rank + rope, layers, bias=bias, stack=DEC
        ),
        norm("kv_a_layernorm", kv_rank, layers, bias=False, stack=DEC),
        shape("kv_b_proj", "attention", kv_rank, heads * (nope + v_dim), layers, stack=DEC),
        shape("o_proj", "attention", heads * v_dim, hidden, layers, bias=bias, stack=DEC),
    ]
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=qk, intermediate=inter, gated=True
    )
    if layers - moe_layers:
        mods += _mlp(b, inter, layers - moe_layers, "mlp")
    exclude = 0
    if moe_layers:
        mods.append(shape("gate", "router", hidden, experts, moe_layers, stack=DEC))
        if r.text("topk_method") == "noaux_tc":  # V3 routing bias, one per expert
            mods.append(
                shape("e_score_correction_bias", "router", 1, experts, moe_layers, stack=DEC)
            )
        routed = _mlp(b, width, moe_layers * experts, "expert")
        mods += routed
        exclude = sum(m.params for m in routed) // experts * (experts - top_k)
        if shared:
            mods += _mlp(b, width * shared, moe_layers, "shared_expert", prefix="shared_experts.")
    mods.append(norm("layer_norm", hidden, 2 * layers + 1, bias=False, stack=DEC))
    return finish(
        model_type, ArchType.DECODER, mods, active_exclude=exclude,
        num_layers=layers, hidden_size=hidden, intermediate_size=inter,
        num_attention_heads=heads, num_key_value_heads=heads, head_dim=qk,
        vocab_size=vocab, max_position_embeddings=r.num("max_position_embeddings"),
        tie_word_embeddings=tied, num_experts=experts or None,
        experts_per_token=top_k or None, kv_lora_rank=kv_rank, q_lora_rank=q_rank,
        qk_rope_head_dim=rope, qk_nope_head_dim=nope, v_head_dim=v_dim,
        num_shared_experts=shared or None, moe_intermediate_size=width if experts else None,
        moe_layers=moe_layers or None, gated_mlp=True,
    )  # fmt: skip


Reader = Callable[[ConfigReader, str], ModelArch]

LLAMA_LIKE = (
    "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma",
    "gemma2", "gemma3_text", "phi3", "stablelm", "granite", "smollm3",
)  # fmt: skip
"""model_types laid out as modeling_llama.py (q/k/v/o + gate/up/down + RMSNorm)."""
