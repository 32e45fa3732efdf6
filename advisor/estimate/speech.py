"""Speech encoders: wav2vec 2.0 (``modeling_wav2vec2.py``; Baevski et al. 2020, arXiv 2006.11477).

A convolutional feature encoder over the raw waveform, a feature projection (LayerNorm and a
linear to the model width), a grouped convolutional relative position embedding (with weight
normalisation: ``weight_v`` plus a ``weight_g`` of one value per kernel tap), a Transformer
encoder (BERT-like block with biases) and, for ``Wav2Vec2ForCTC``, a linear CTC head over
``vocab_size`` characters. Defaults are those of ``Wav2Vec2Config``.
"""

from __future__ import annotations

from advisor.estimate.decoders import finish
from advisor.estimate.params import Block, ConfigReader, dense_stack, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleShape

ENC = "encoder"


def wav2vec2(r: ConfigReader, model_type: str) -> ModelArch:
    """wav2vec 2.0 base/large (and fine-tuned CTC checkpoints).

    ``feat_extract_norm`` "group": a GroupNorm (one group per channel) after the first
    convolution only; "layer": a LayerNorm after every convolution. The masked-time vector
    (``masked_spec_embed``) exists when ``mask_time_prob`` or ``mask_feature_prob`` is > 0.
    """
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    inter = r.req("intermediate_size")
    dims = r.int_list("conv_dim", [512] * 7)
    kernels = r.int_list("conv_kernel", [10, 3, 3, 3, 3, 2, 2])
    conv_bias = r.flag("conv_bias", False)
    group_norm = (r.text("feat_extract_norm") or "group") == "group"
    pos_kernel = r.num("num_conv_pos_embeddings", default=128) or 128
    pos_groups = r.num("num_conv_pos_embedding_groups", default=16) or 16
    mods: list[ModuleShape] = []
    c_in = 1
    for i, (c_out, k) in enumerate(zip(dims, kernels, strict=True)):
        mods.append(shape("conv", "other", c_in * k, c_out, 1, bias=conv_bias, stack="features"))
        if not group_norm or i == 0:
            mods.append(norm("conv.norm", c_out, 1, bias=True, stack="features"))
        c_in = c_out
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=inter, gated=False, o="out_proj", up="intermediate_dense",
        down="output_dense", qkv_bias=True, o_bias=True, mlp_bias=True, norm_bias=True,
    )  # fmt: skip
    mods += [
        norm("feature_projection.layer_norm", dims[-1], 1, bias=True, stack="features"),
        shape("feature_projection.projection", "other", dims[-1], hidden, 1, bias=True,
              stack="features"),
        shape("pos_conv_embed.conv.weight_v", "other", hidden // pos_groups * pos_kernel,
              hidden, 1, bias=True, stack=ENC),
        shape("pos_conv_embed.conv.weight_g", "other", 1, pos_kernel, 1, stack=ENC),
        norm("encoder.layer_norm", hidden, 1, bias=True, stack=ENC),
        *dense_stack(b, layers, ENC),
    ]  # fmt: skip
    masking = r.real("mask_time_prob", 0.05) > 0 or r.real("mask_feature_prob", 0) > 0
    if masking:
        mods.append(shape("masked_spec_embed", "other", 1, hidden, 1, stack=ENC))
    vocab = r.num("vocab_size", default=32) or 32
    if any(str(a).endswith("ForCTC") for a in r.config.get("architectures") or []):
        mods.append(shape("lm_head", "other", hidden, vocab, 1, bias=True, stack="head"))
    return finish(
        model_type, ArchType.ENCODER, mods, num_layers=layers, hidden_size=hidden,
        intermediate_size=inter, num_attention_heads=heads, num_key_value_heads=heads,
        head_dim=hidden // heads, vocab_size=vocab, gated_mlp=False,
    )  # fmt: skip
