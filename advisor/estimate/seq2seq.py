"""Encoder-decoder models: T5/mT5, the BART family (BART, mBART, Marian, M2M100, NLLB), Whisper.

Layouts from ``modeling_t5.py``, ``modeling_bart.py``, ``modeling_mbart.py``,
``modeling_marian.py``, ``modeling_m2m_100.py`` and ``modeling_whisper.py``. Counted: the shared
embedding once, both stacks, the output projection only when untied. Buffers that are not
parameters (BART's ``final_logits_bias``, M2M100's sinusoidal table) are not counted; Marian's
sinusoidal table is an ``nn.Embedding`` parameter and is.
"""

from __future__ import annotations

from dataclasses import replace

from advisor.estimate.decoders import finish
from advisor.estimate.params import Block, ConfigReader, dense_stack, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleShape

ENC, DEC = "encoder", "decoder"

BART_LIKE = ("bart", "mbart", "marian", "m2m_100", "nllb-moe_dense", "pegasus", "blenderbot")
"""model_types laid out as modeling_bart.py (q/k/v/out_proj, fc1/fc2, LayerNorm with bias)."""


def t5(r: ConfigReader, model_type: str) -> ModelArch:
    """T5, T5 v1.1, mT5, UMT5.

    q/k/v/o without bias (d_model → num_heads·d_kv), RMS-style LayerNorm without bias, relative
    position bias tables (``relative_attention_num_buckets`` × heads) in the first layer of each
    stack (every layer in UMT5), MLP ``wi → wo`` or gated ``wi_0, wi_1 → wo`` when
    ``feed_forward_proj`` starts with ``gated-``; output tied unless ``tie_word_embeddings`` is
    false (T5 v1.1, mT5).
    """
    d = r.req("d_model")
    d_ff = r.req("d_ff")
    heads = r.req("num_heads")
    d_kv = r.num("d_kv") or d // heads
    enc_layers = r.req("num_layers")
    dec_layers = r.num("num_decoder_layers") or enc_layers
    vocab = r.req("vocab_size")
    buckets = r.num("relative_attention_num_buckets", default=32) or 32
    gated = (r.text("feed_forward_proj") or "relu").startswith("gated-")
    tied = r.flag("tie_word_embeddings", True)
    b = Block(
        hidden=d, heads=heads, kv_heads=heads, head_dim=d_kv, intermediate=d_ff, gated=gated,
        q="q", k="k", v="v", o="o", gate="wi_0", up="wi_1" if gated else "wi", down="wo",
    )  # fmt: skip
    bias_tables = (enc_layers, dec_layers) if model_type == "umt5" else (1, 1)
    mods = [
        shape("shared", "embedding", vocab, d, 1),
        *dense_stack(b, enc_layers, ENC),
        shape("relative_attention_bias", "other", buckets, heads, bias_tables[0], stack=ENC),
        norm("final_layer_norm", d, 1, bias=False, stack=ENC),
        *dense_stack(replace(b, cross_attention=True), dec_layers, DEC),
        shape("relative_attention_bias", "other", buckets, heads, bias_tables[1], stack=DEC),
        norm("final_layer_norm", d, 1, bias=False, stack=DEC),
    ]
    if not tied:
        mods.append(shape("lm_head", "lm_head", d, vocab, 1, stack=DEC))
    return _arch(r, model_type, mods, b, enc_layers, dec_layers, vocab, tied, None, None)


def _arch(
    r: ConfigReader,
    model_type: str,
    mods: list[ModuleShape],
    b: Block,
    enc_layers: int,
    dec_layers: int,
    vocab: int,
    tied: bool,
    positions: int | None,
    encoder_seq: int | None,
) -> ModelArch:
    return finish(
        model_type,
        ArchType.ENCODER_DECODER,
        mods,
        num_layers=dec_layers,
        encoder_layers=enc_layers,
        hidden_size=b.hidden,
        intermediate_size=b.intermediate,
        num_attention_heads=b.heads,
        num_key_value_heads=b.kv_heads,
        head_dim=b.head_dim,
        vocab_size=vocab,
        max_position_embeddings=positions,
        tie_word_embeddings=tied,
        gated_mlp=b.gated,
        encoder_seq_len=encoder_seq,
    )


def _bart_block(d: int, heads: int, ffn: int) -> Block:
    return Block(
        hidden=d, heads=heads, kv_heads=heads, head_dim=d // heads, intermediate=ffn,
        gated=False, o="out_proj", up="fc1", down="fc2", qkv_bias=True, o_bias=True,
        mlp_bias=True, norm_bias=True,
    )  # fmt: skip


def bart(r: ConfigReader, model_type: str) -> ModelArch:
    """BART, mBART, Marian, M2M100/NLLB, Pegasus, Blenderbot.

    Positions: BART/mBART learn ``max_position_embeddings + 2`` rows per stack; Marian keeps a
    sinusoidal ``nn.Embedding`` (a parameter) of ``max_position_embeddings`` rows; M2M100/NLLB
    and Pegasus use a sinusoidal buffer (no parameters). BART/mBART add ``layernorm_embedding``;
    mBART, M2M100/NLLB, Pegasus and Blenderbot end each stack with a ``layer_norm``.
    """
    d = r.req("d_model")
    enc_layers = r.req("encoder_layers")
    dec_layers = r.req("decoder_layers")
    heads = r.req("encoder_attention_heads", "decoder_attention_heads")
    dec_heads = r.num("decoder_attention_heads") or heads
    vocab = r.req("vocab_size")
    positions = r.num("max_position_embeddings", default=1024) or 1024
    enc = _bart_block(d, heads, r.req("encoder_ffn_dim"))
    dec = replace(_bart_block(d, dec_heads, r.req("decoder_ffn_dim")), cross_attention=True)
    tied = r.flag("tie_word_embeddings", True)
    mods: list[ModuleShape] = []
    dec_vocab = r.num("decoder_vocab_size") or vocab
    if model_type == "marian" and not r.flag("share_encoder_decoder_embeddings", True):
        mods.append(shape("encoder.embed_tokens", "embedding", vocab, d, 1, stack=ENC))
        mods.append(shape("decoder.embed_tokens", "embedding", dec_vocab, d, 1, stack=DEC))
    else:
        mods.append(shape("shared", "embedding", vocab, d, 1))
    if model_type in ("bart", "mbart"):
        rows = positions + 2  # BartLearnedPositionalEmbedding offset
    elif model_type == "marian":
        rows = positions
    else:
        rows = 0
    for stack in (ENC, DEC):
        if rows:
            mods.append(shape("embed_positions", "embedding", rows, d, 1, stack=stack))
        if model_type in ("bart", "mbart"):
            mods.append(norm("layernorm_embedding", d, 1, bias=True, stack=stack))
        if model_type in ("mbart", "m2m_100", "pegasus", "blenderbot"):
            mods.append(norm("layer_norm", d, 1, bias=True, stack=stack))
    mods += dense_stack(enc, enc_layers, ENC)
    mods += dense_stack(dec, dec_layers, DEC)
    if not tied:
        mods.append(shape("lm_head", "lm_head", d, dec_vocab, 1, stack=DEC))
    return _arch(r, model_type, mods, dec, enc_layers, dec_layers, vocab, tied, positions, None)


def whisper(r: ConfigReader, model_type: str) -> ModelArch:
    """Whisper: two Conv1d (kernel 3) over ``num_mel_bins``, ``max_source_positions`` encoder
    positions (1500 frames for 30 s), BART-like stacks whose ``k_proj`` has no bias, learned
    decoder positions, a final LayerNorm per stack, output tied to the decoder embedding."""
    d = r.req("d_model")
    enc_layers = r.req("encoder_layers")
    dec_layers = r.req("decoder_layers")
    heads = r.req("encoder_attention_heads")
    dec_heads = r.num("decoder_attention_heads") or heads
    vocab = r.req("vocab_size")
    mels = r.num("num_mel_bins", default=80) or 80
    src = r.num("max_source_positions", default=1500) or 1500
    tgt = r.num("max_target_positions", default=448) or 448
    enc = _bart_block(d, heads, r.req("encoder_ffn_dim"))
    dec = replace(_bart_block(d, dec_heads, r.req("decoder_ffn_dim")), cross_attention=True)
    mods = [
        shape("conv1", "other", mels * 3, d, 1, bias=True, stack=ENC),
        shape("conv2", "other", d * 3, d, 1, bias=True, stack=ENC),
        shape("embed_positions", "embedding", src, d, 1, stack=ENC),
        *dense_stack(enc, enc_layers, ENC),
        norm("layer_norm", d, 1, bias=True, stack=ENC),
        shape("embed_tokens", "embedding", vocab, d, 1, stack=DEC),
        shape("embed_positions", "embedding", tgt, d, 1, stack=DEC),
        *dense_stack(dec, dec_layers, DEC),
        norm("layer_norm", d, 1, bias=True, stack=DEC),
    ]
    # k_proj carries no bias in Whisper attention (modeling_whisper.py WhisperAttention).
    mods = [replace_bias(m) if m.name in ("k_proj", "cross.k_proj") else m for m in mods]
    tied = r.flag("tie_word_embeddings", True)
    if not tied:
        mods.append(shape("proj_out", "lm_head", d, vocab, 1, stack=DEC))
    return _arch(r, model_type, mods, dec, enc_layers, dec_layers, vocab, tied, tgt, src)


def replace_bias(m: ModuleShape) -> ModuleShape:
    """``m`` without its bias."""
    return m.model_copy(update={"bias": False})
