"""Older decoder layouts with fused attention and plain (non-gated) MLPs.

GPT-2 and GPT-BigCode (``modeling_gpt2.py``, ``modeling_gpt_bigcode.py``), GPT-NeoX
(``modeling_gpt_neox.py``), Falcon (``modeling_falcon.py``), Phi-1/1.5/2 (``modeling_phi.py``) and
Qwen v1 (``modeling_qwen.py`` in the Qwen/Qwen-7B repository). Defaults are those of each
family's configuration class.
"""

from __future__ import annotations

from advisor.estimate.decoders import DEC, finish
from advisor.estimate.params import Block, ConfigReader, dense_stack, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleShape


def _arch(
    r: ConfigReader,
    model_type: str,
    mods: list[ModuleShape],
    b: Block,
    layers: int,
    vocab: int,
    tied: bool,
    positions: int | None,
) -> ModelArch:
    return finish(
        model_type,
        ArchType.DECODER,
        mods,
        num_layers=layers,
        hidden_size=b.hidden,
        intermediate_size=b.intermediate,
        num_attention_heads=b.heads,
        num_key_value_heads=b.kv_heads,
        head_dim=b.head_dim,
        vocab_size=vocab,
        max_position_embeddings=positions,
        tie_word_embeddings=tied,
        gated_mlp=b.gated,
    )


def gpt2(r: ConfigReader, model_type: str) -> ModelArch:
    """GPT-2 and GPT-BigCode (StarCoder, SantaCoder, OctoCoder).

    Learned token (``wte``) and position (``wpe``) tables, fused ``c_attn`` with bias, MLP
    ``c_fc → c_proj`` of width ``n_inner`` (default 4·n_embd), LayerNorms with bias, output tied
    to ``wte``. GPT-BigCode's ``multi_query`` shares one key/value head across all heads.
    """
    hidden = r.req("n_embd", "hidden_size")
    layers = r.req("n_layer", "num_hidden_layers")
    heads = r.req("n_head", "num_attention_heads")
    vocab = r.req("vocab_size")
    positions = r.req("n_positions", "max_position_embeddings")
    inner = r.num("n_inner") or 4 * hidden
    mq = model_type == "gpt_bigcode" and r.flag("multi_query", True)
    b = Block(
        hidden=hidden, heads=heads, kv_heads=1 if mq else heads, head_dim=hidden // heads,
        intermediate=inner, gated=False, fused_qkv="c_attn", o="c_proj", up="c_fc",
        down="c_proj", qkv_bias=True, o_bias=True, mlp_bias=True, norm_bias=True,
    )  # fmt: skip
    tied = r.flag("tie_word_embeddings", True)
    mods = [
        shape("wte", "embedding", vocab, hidden, 1, stack=DEC),
        shape("wpe", "embedding", positions, hidden, 1, stack=DEC),
        *dense_stack(b, layers, DEC),
        norm("ln_f", hidden, 1, bias=True, stack=DEC),
    ]
    if not tied:
        mods.append(shape("lm_head", "lm_head", hidden, vocab, 1, stack=DEC))
    return _arch(r, model_type, mods, b, layers, vocab, tied, positions)


def gpt_neox(r: ConfigReader, model_type: str) -> ModelArch:
    """GPT-NeoX / Pythia / StableLM-alpha: fused ``query_key_value``, untied ``embed_out``."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    inner = r.req("intermediate_size")
    bias = r.flag("attention_bias", True)
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=inner, gated=False, fused_qkv="query_key_value", o="dense",
        up="dense_h_to_4h", down="dense_4h_to_h", qkv_bias=bias, o_bias=bias, mlp_bias=True,
        norm_bias=True,
    )  # fmt: skip
    tied = r.flag("tie_word_embeddings", False)
    mods = [
        shape("embed_in", "embedding", vocab, hidden, 1, stack=DEC),
        *dense_stack(b, layers, DEC),
        norm("final_layer_norm", hidden, 1, bias=True, stack=DEC),
    ]
    if not tied:
        mods.append(shape("embed_out", "lm_head", hidden, vocab, 1, stack=DEC))
    return _arch(r, model_type, mods, b, layers, vocab, tied,
                 r.num("max_position_embeddings"))  # fmt: skip


def falcon(r: ConfigReader, model_type: str) -> ModelArch:
    """Falcon 7B/40B/180B.

    ``new_decoder_architecture`` (40B, 180B): grouped KV heads (``num_kv_heads``) and two
    LayerNorms per block; otherwise ``multi_query`` (7B: one KV head) with one LayerNorm per
    parallel block. MLP width ``ffn_hidden_size`` (default 4·hidden); output tied by default.
    """
    hidden = r.req("hidden_size", "n_embd")
    layers = r.req("num_hidden_layers", "n_layer")
    heads = r.req("num_attention_heads", "n_head")
    vocab = r.req("vocab_size")
    new_arch = r.flag("new_decoder_architecture", False)
    if new_arch:
        kv = r.num("num_kv_heads", "n_head_kv") or heads
    else:
        kv = 1 if r.flag("multi_query", True) else heads
    parallel = r.flag("parallel_attn", True)
    # new_decoder_architecture: ln_attn + ln_mlp; otherwise one norm for a parallel block.
    norms = (r.num("num_ln_in_parallel_attn") or 2) if new_arch else (1 if parallel else 2)
    bias = r.flag("bias", False)
    b = Block(
        hidden=hidden, heads=heads, kv_heads=kv, head_dim=hidden // heads,
        intermediate=r.num("ffn_hidden_size") or 4 * hidden, gated=False,
        fused_qkv="query_key_value", o="dense", up="dense_h_to_4h", down="dense_4h_to_h",
        qkv_bias=bias, o_bias=bias, mlp_bias=bias, layer_norms=norms, norm_bias=True,
    )  # fmt: skip
    tied = r.flag("tie_word_embeddings", True)
    mods = [
        shape("word_embeddings", "embedding", vocab, hidden, 1, stack=DEC),
        *dense_stack(b, layers, DEC),
        norm("ln_f", hidden, 1, bias=True, stack=DEC),
    ]
    if not tied:
        mods.append(shape("lm_head", "lm_head", hidden, vocab, 1, stack=DEC))
    return _arch(r, model_type, mods, b, layers, vocab, tied, r.num("max_position_embeddings"))


def phi(r: ConfigReader, model_type: str) -> ModelArch:
    """Phi-1, 1.5 and 2: parallel block with one LayerNorm, biased q/k/v/dense and fc1/fc2, and an
    untied ``lm_head`` that has a bias."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    b = Block(
        hidden=hidden, heads=heads, kv_heads=r.num("num_key_value_heads") or heads,
        head_dim=hidden // heads, intermediate=r.req("intermediate_size"), gated=False,
        o="dense", up="fc1", down="fc2", qkv_bias=True, o_bias=True, mlp_bias=True,
        layer_norms=1, norm_bias=True,
    )  # fmt: skip
    tied = r.flag("tie_word_embeddings", False)
    mods = [
        shape("embed_tokens", "embedding", vocab, hidden, 1, stack=DEC),
        *dense_stack(b, layers, DEC),
        norm("final_layernorm", hidden, 1, bias=True, stack=DEC),
    ]
    if not tied:
        mods.append(shape("lm_head", "lm_head", hidden, vocab, 1, bias=True, stack=DEC))
    return _arch(r, model_type, mods, b, layers, vocab, tied, r.num("max_position_embeddings"))


def qwen_v1(r: ConfigReader, model_type: str) -> ModelArch:
    """Qwen (v1): fused ``c_attn`` with bias, ``c_proj`` without (``no_bias``), a SwiGLU MLP
    ``w1``/``w2`` → ``c_proj`` of width ``intermediate_size / 2``, RMSNorm, untied ``lm_head``."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    head_dim = r.num("kv_channels") or hidden // heads
    ff = r.req("intermediate_size") // 2
    no_bias = r.flag("no_bias", True)
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=head_dim, intermediate=ff,
        gated=True, fused_qkv="c_attn", o="c_proj", gate="w2", up="w1", down="c_proj",
        qkv_bias=True, o_bias=not no_bias, mlp_bias=not no_bias,
    )  # fmt: skip
    tied = r.flag("tie_word_embeddings", False)
    mods = [
        shape("wte", "embedding", vocab, hidden, 1, stack=DEC),
        *dense_stack(b, layers, DEC),
        norm("ln_f", hidden, 1, bias=False, stack=DEC),
    ]
    if not tied:
        mods.append(shape("lm_head", "lm_head", hidden, vocab, 1, stack=DEC))
    return _arch(r, model_type, mods, b, layers, vocab, tied, r.num("max_position_embeddings"))
