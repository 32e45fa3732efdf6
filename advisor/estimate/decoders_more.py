"""More decoder-only layouts: StarCoder2, OPT, BLOOM, GPT-J and Llama 4's text model.

Each reader follows its Hugging Face ``modeling_*.py`` (``modeling_starcoder2.py``,
``modeling_opt.py``, ``modeling_bloom.py``, ``modeling_gptj.py``, ``modeling_llama4.py``);
defaults for keys a config leaves out are those of the family's ``configuration_*.py``.
"""

from __future__ import annotations

from advisor.estimate.decoders import DEC, finish
from advisor.estimate.params import Block, ConfigReader, attention, dense_stack, mlp, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleShape


def starcoder2(r: ConfigReader, model_type: str) -> ModelArch:
    """StarCoder2 (``modeling_starcoder2.py``): GQA q/k/v/o and a two-matrix MLP ``c_fc → c_proj``
    (GELU, not gated), every projection biased when ``use_bias`` (default true), LayerNorms with
    bias, sliding window on every layer; the head is tied when ``tie_word_embeddings``."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    bias = r.flag("use_bias", True)
    b = Block(
        hidden=hidden, heads=heads, kv_heads=r.num("num_key_value_heads") or heads,
        head_dim=hidden // heads, intermediate=r.req("intermediate_size"), gated=False,
        up="c_fc", down="c_proj", qkv_bias=bias, o_bias=bias, mlp_bias=bias, norm_bias=True,
    )  # fmt: skip
    tied = r.flag("tie_word_embeddings", True)
    mods = [
        shape("embed_tokens", "embedding", vocab, hidden, 1, stack=DEC),
        *dense_stack(b, layers, DEC),
        norm("norm", hidden, 1, bias=True, stack=DEC),
    ]
    if not tied:
        mods.append(shape("lm_head", "lm_head", hidden, vocab, 1, stack=DEC))
    window = r.num("sliding_window")
    return finish(
        model_type, ArchType.DECODER, mods,
        **b.facts(layers, vocab, r.num("max_position_embeddings"), tied),
        sliding_window=window, sliding_window_layers=layers if window else None,
    )  # fmt: skip


def opt(r: ConfigReader, model_type: str) -> ModelArch:
    """OPT (``modeling_opt.py``): learned positions with an offset of 2 rows, biased q/k/v/out and
    fc1/fc2, LayerNorms with bias; ``project_in``/``project_out`` when ``word_embed_proj_dim``
    differs from the hidden size (OPT-350m); the head is tied to the token table."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    positions = r.req("max_position_embeddings")
    emb = r.num("word_embed_proj_dim") or hidden
    bias = r.flag("enable_bias", True)
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=r.req("ffn_dim"), gated=False, o="out_proj", up="fc1", down="fc2",
        qkv_bias=bias, o_bias=bias, mlp_bias=bias,
        norm_bias=r.flag("layer_norm_elementwise_affine", True),
    )  # fmt: skip
    mods: list[ModuleShape] = [
        shape("embed_tokens", "embedding", vocab, emb, 1, stack=DEC),
        shape("embed_positions", "embedding", positions + 2, hidden, 1, stack=DEC),
        *dense_stack(b, layers, DEC),
    ]
    if emb != hidden:
        mods += [
            shape("project_in", "other", emb, hidden, 1, stack=DEC),
            shape("project_out", "other", hidden, emb, 1, stack=DEC),
        ]
    # OPT-350m applies its LayerNorms after each block and has no final one.
    if r.flag("do_layer_norm_before", True) and not r.flag("_remove_final_layer_norm", False):
        mods.append(norm("final_layer_norm", hidden, 1, bias=True, stack=DEC))
    tied = r.flag("tie_word_embeddings", True)
    if not tied:
        mods.append(shape("lm_head", "lm_head", emb, vocab, 1, stack=DEC))
    return finish(model_type, ArchType.DECODER, mods, **b.facts(layers, vocab, positions, tied))


def bloom(r: ConfigReader, model_type: str) -> ModelArch:
    """BLOOM (``modeling_bloom.py``): ALiBi (no position table), a LayerNorm after the token
    table, fused biased ``query_key_value``, MLP 4·hidden with bias, head tied."""
    hidden = r.req("hidden_size", "n_embed")
    layers = r.req("n_layer", "num_hidden_layers")
    heads = r.req("n_head", "num_attention_heads")
    vocab = r.req("vocab_size")
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=4 * hidden, gated=False, fused_qkv="query_key_value", o="dense",
        up="dense_h_to_4h", down="dense_4h_to_h", qkv_bias=True, o_bias=True, mlp_bias=True,
        norm_bias=True,
    )  # fmt: skip
    tied = r.flag("tie_word_embeddings", True)
    mods = [
        shape("word_embeddings", "embedding", vocab, hidden, 1, stack=DEC),
        norm("word_embeddings_layernorm", hidden, 1, bias=True, stack=DEC),
        *dense_stack(b, layers, DEC),
        norm("ln_f", hidden, 1, bias=True, stack=DEC),
    ]
    if not tied:
        mods.append(shape("lm_head", "lm_head", hidden, vocab, 1, stack=DEC))
    return finish(model_type, ArchType.DECODER, mods, **b.facts(layers, vocab, None, tied))


def gptj(r: ConfigReader, model_type: str) -> ModelArch:
    """GPT-J (``modeling_gptj.py``): a parallel block with one LayerNorm, q/k/v/out without bias,
    ``fc_in → fc_out`` of width ``n_inner`` (default 4·n_embd) with bias, and an untied
    ``lm_head`` that has a bias."""
    hidden = r.req("n_embd", "hidden_size")
    layers = r.req("n_layer", "num_hidden_layers")
    heads = r.req("n_head", "num_attention_heads")
    vocab = r.req("vocab_size")
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=r.num("n_inner") or 4 * hidden, gated=False, o="out_proj", up="fc_in",
        down="fc_out", mlp_bias=True, layer_norms=1, norm_bias=True,
    )  # fmt: skip
    tied = r.flag("tie_word_embeddings", False)
    mods = [
        shape("wte", "embedding", vocab, hidden, 1, stack=DEC),
        *dense_stack(b, layers, DEC),
        norm("ln_f", hidden, 1, bias=True, stack=DEC),
    ]
    if not tied:
        mods.append(shape("lm_head", "lm_head", hidden, vocab, 1, bias=True, stack=DEC))
    positions = r.num("n_positions", "max_position_embeddings")
    return finish(model_type, ArchType.DECODER, mods, **b.facts(layers, vocab, positions, tied))


def llama4_text(r: ConfigReader, model_type: str) -> ModelArch:
    """Llama 4's language model (``modeling_llama4.py``, ``Llama4TextConfig``).

    Attention as Llama (no bias; the optional q/k norm is a weightless L2 norm, and the
    ``no_rope_layers`` change no weights). MoE layers (``moe_layers``, else every
    ``interleave_moe_layer_step``-th layer) hold ``num_local_experts`` gated experts of width
    ``intermediate_size``, a router and one always-on shared expert of the same width; the
    other layers have a dense gated MLP of width ``intermediate_size_mlp``.
    """
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    head_dim = r.num("head_dim") or hidden // heads
    width = r.num("intermediate_size", default=8192) or 8192
    dense_width = r.num("intermediate_size_mlp", default=16384) or 16384
    experts = r.num("num_local_experts", default=16) or 16
    top_k = r.num("num_experts_per_tok", default=1) or 1
    step = r.num("interleave_moe_layer_step", default=1) or 1
    listed = r.config.get("moe_layers")
    if isinstance(listed, list) and all(isinstance(i, int) for i in listed):
        moe_layers = len(listed)
    else:
        moe_layers = len(range(step - 1, layers, step))
    tied = r.flag("tie_word_embeddings", False)
    b = Block(
        hidden=hidden, heads=heads, kv_heads=r.num("num_key_value_heads") or heads,
        head_dim=head_dim, intermediate=dense_width, gated=True,
        qkv_bias=r.flag("attention_bias", False), o_bias=r.flag("attention_bias", False),
    )  # fmt: skip
    mods = [shape("embed_tokens", "embedding", vocab, hidden, 1, stack=DEC)]
    if not tied:
        mods.append(shape("lm_head", "lm_head", hidden, vocab, 1, stack=DEC))
    mods += attention(b, layers, DEC)
    if layers - moe_layers:
        mods += mlp(b, dense_width, layers - moe_layers, "mlp", DEC)
    routed = mlp(b, width, moe_layers * experts, "expert", DEC)
    mods += [
        shape("router", "router", hidden, experts, moe_layers, stack=DEC),
        *routed,
        *mlp(b, width, moe_layers, "shared_expert", DEC),
        norm("layer_norm", hidden, 2 * layers, bias=False, stack=DEC),
        norm("norm", hidden, 1, bias=False, stack=DEC),
    ]
    exclude = sum(m.params for m in routed) // experts * (experts - top_k)
    chunk = r.num("attention_chunk_size")
    notes = (f"attention is chunked to {chunk} tokens on 3 of every 4 layers",) if chunk else ()
    return finish(
        model_type, ArchType.DECODER, mods, active_exclude=exclude, notes=notes,
        **b.facts(layers, vocab, r.num("max_position_embeddings"), tied),
        num_experts=experts, experts_per_token=top_k, moe_intermediate_size=width,
        moe_layers=moe_layers, num_shared_experts=1,
    )  # fmt: skip
