"""Vision models: DINOv2, ResNet, ConvNeXt, SegFormer, DETR and SAM.

Each reader follows its Hugging Face ``modeling_*.py`` (``modeling_dinov2.py``,
``modeling_resnet.py``, ``modeling_convnext.py``, ``modeling_segformer.py``,
``modeling_detr.py``, ``modeling_sam.py``); defaults for keys a config leaves out are those of
the family's ``configuration_*.py``. BatchNorm counts its weight and bias (its running
statistics are buffers, not parameters), as torchvision's published ResNet counts do.
Convolutions are written as ``C_in·k·k × C_out`` (per group for depthwise ones).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from advisor.estimate.decoders import finish
from advisor.estimate.params import Block, ConfigReader, dense_stack, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleShape

ENC = "encoder"


def _conv(name: str, c_in: int, c_out: int, k: int, *, bias: bool, stack: str = ENC,
          count: int = 1) -> ModuleShape:  # fmt: skip
    return shape(name, "other", c_in * k * k, c_out, count, bias=bias, stack=stack)


def _labels(r: ConfigReader, fallback: int) -> tuple[int, str | None]:
    """Classifier width: ``id2label``'s size, else ``num_labels``, else ``fallback`` (noted)."""
    labels = r.config.get("id2label")
    if isinstance(labels, dict) and labels:
        return len(labels), None
    n = r.num("num_labels")
    if n:
        return n, None
    return fallback, f"the config lists no labels; a {fallback}-class head is assumed"


def _vision(model_type: str, mods: list[ModuleShape], notes: list[str], **facts: Any) -> ModelArch:
    return finish(model_type, ArchType.VISION, mods, notes=tuple(notes), **facts)


def dinov2(r: ConfigReader, model_type: str) -> ModelArch:
    """DINOv2 (``Dinov2Model``, no pooler): biased patch convolution, class and mask tokens,
    register tokens (``dinov2_with_registers``), learned positions for ``(image/patch)² + 1``,
    blocks with LayerScale after attention and MLP (GELU MLP of ``hidden·mlp_ratio``, or
    SwiGLU when ``use_swiglu_ffn``: width ``(int(hidden·ratio·2/3) + 7) // 8 · 8``), final
    LayerNorm."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    patch = r.num("patch_size", default=14) or 14
    image = r.num("image_size", default=518) or 518
    ratio = r.num("mlp_ratio", default=4) or 4
    swiglu = r.flag("use_swiglu_ffn", False)
    inter = hidden * ratio
    if swiglu:
        inter = (int(inter * 2 / 3) + 7) // 8 * 8
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=inter, gated=swiglu, o="output.dense",
        gate="weights_in.gate", up="weights_in.up" if swiglu else "fc1",
        down="weights_out" if swiglu else "fc2", qkv_bias=r.flag("qkv_bias", True),
        o_bias=True, mlp_bias=True, norm_bias=True,
    )  # fmt: skip
    registers = r.num("num_register_tokens", default=0) or 0
    channels = r.num("num_channels", default=3) or 3
    mods = [
        _conv("patch_embeddings", channels, hidden, patch, bias=True),
        shape("cls_token", "other", 1, hidden, 1, stack=ENC),
        shape("mask_token", "other", 1, hidden, 1, stack=ENC),
        shape("position_embeddings", "embedding", (image // patch) ** 2 + 1, hidden, 1,
              stack=ENC),
        *dense_stack(b, layers, ENC),
        shape("layer_scale", "other", 1, hidden, 2 * layers, stack=ENC),
        norm("layernorm", hidden, 1, bias=True, stack=ENC),
    ]  # fmt: skip
    if registers:
        mods.append(shape("register_tokens", "other", registers, hidden, 1, stack=ENC))
    return _vision(
        model_type, mods, [], num_layers=layers, hidden_size=hidden, intermediate_size=inter,
        num_attention_heads=heads, num_key_value_heads=heads, head_dim=hidden // heads,
        gated_mlp=swiglu,
    )  # fmt: skip


def resnet_backbone(
    channels: int, stem: int, widths: list[int], depths: list[int], bottleneck: bool
) -> list[ModuleShape]:
    """A ResNet's convolutions and BatchNorms (He et al. 2015, arXiv 1512.03385, Table 1):
    a 7×7 stem, then stages of bottleneck (1×1 → 3×3 → 1×1, width/4 inside) or basic
    (3×3, 3×3) blocks, with a 1×1 projection shortcut where width or stride changes."""
    mods = [_conv("embedder.convolution", channels, stem, 7, bias=False),
            norm("embedder.normalization", stem, 1, bias=True, stack=ENC)]  # fmt: skip
    c_in = stem
    for stage, (out, depth) in enumerate(zip(widths, depths, strict=True)):
        for i in range(depth):
            src = c_in if i == 0 else out
            if src != out or (i == 0 and stage > 0):
                mods += [_conv("shortcut.convolution", src, out, 1, bias=False),
                         norm("shortcut.normalization", out, 1, bias=True, stack=ENC)]  # fmt: skip
            if bottleneck:
                mid = out // 4
                convs = [(src, mid, 1), (mid, mid, 3), (mid, out, 1)]
            else:
                convs = [(src, out, 3), (out, out, 3)]
            for a, z, k in convs:
                mods += [_conv("convolution", a, z, k, bias=False),
                         norm("normalization", z, 1, bias=True, stack=ENC)]  # fmt: skip
        c_in = out
    return mods


def resnet(r: ConfigReader, model_type: str) -> ModelArch:
    """ResNet (``modeling_resnet.py``); ``ResNetForImageClassification`` adds a biased linear
    classifier on the last stage's width."""
    widths = r.int_list("hidden_sizes", [256, 512, 1024, 2048])
    depths = r.int_list("depths", [3, 4, 6, 3])
    bottleneck = (r.text("layer_type") or "bottleneck") == "bottleneck"
    stem = r.num("embedding_size", default=64) or 64
    mods = resnet_backbone(r.num("num_channels", default=3) or 3, stem, widths, depths,
                           bottleneck)  # fmt: skip
    notes = _classifier_head(r, mods, widths[-1])
    return _vision(model_type, mods, notes, num_layers=sum(depths), hidden_size=widths[-1])


def _classifier_head(r: ConfigReader, mods: list[ModuleShape], width: int) -> list[str]:
    """Append the biased linear head an ``*ForImageClassification`` checkpoint carries on a
    backbone of output ``width`` (1000 ImageNet classes unless the config lists its labels);
    the notes say what was assumed."""
    archs = r.config.get("architectures") or []
    if not any(str(a).endswith("ForImageClassification") for a in archs):
        return []
    n, note = _labels(r, 1000)
    mods.append(shape("classifier", "other", width, n, 1, bias=True, stack=ENC))
    return [note] if note else []


def convnext(r: ConfigReader, model_type: str) -> ModelArch:
    """ConvNeXt (``modeling_convnext.py``; Liu et al. 2022, arXiv 2201.03545): a 4×4 patchify
    stem with LayerNorm, stages of blocks (7×7 depthwise convolution, LayerNorm, 4× inverted
    bottleneck of linears, LayerScale), a LayerNorm + 2×2 convolution between stages, a final
    LayerNorm and, for classification, a biased linear head."""
    widths = r.int_list("hidden_sizes", [96, 192, 384, 768])
    depths = r.int_list("depths", [3, 3, 9, 3])
    patch = r.num("patch_size", default=4) or 4
    scale = (r.real("layer_scale_init_value", 1e-6) or 1e-6) > 0
    mods = [_conv("patch_embeddings", r.num("num_channels", default=3) or 3, widths[0], patch,
                  bias=True),
            norm("embeddings.layernorm", widths[0], 1, bias=True, stack=ENC)]  # fmt: skip
    prev = widths[0]
    for d, depth in zip(widths, depths, strict=True):
        if d != prev:
            mods += [norm("downsampling.layernorm", prev, 1, bias=True, stack=ENC),
                     _conv("downsampling.conv", prev, d, 2, bias=True)]  # fmt: skip
        mods += [
            _conv("dwconv", 1, d, 7, bias=True, count=depth),
            norm("layernorm", d, depth, bias=True, stack=ENC),
            shape("pwconv1", "mlp", d, 4 * d, depth, bias=True, stack=ENC),
            shape("pwconv2", "mlp", 4 * d, d, depth, bias=True, stack=ENC),
        ]
        if scale:
            mods.append(shape("layer_scale_parameter", "other", 1, d, depth, stack=ENC))
        prev = d
    mods.append(norm("layernorm", widths[-1], 1, bias=True, stack=ENC))
    notes = _classifier_head(r, mods, widths[-1])
    return _vision(model_type, mods, notes, num_layers=sum(depths), hidden_size=widths[-1])


def segformer(r: ConfigReader, model_type: str) -> ModelArch:
    """SegFormer (``modeling_segformer.py``; Xie et al. 2021, arXiv 2105.15203): per stage an
    overlapping patch convolution + LayerNorm, blocks of efficient self-attention (q/k/v/out
    with bias; a spatial-reduction convolution + LayerNorm when ``sr_ratio`` > 1) and Mix-FFN
    (linear, 3×3 depthwise convolution, linear), a LayerNorm per stage; for segmentation the
    all-MLP decode head (one linear per stage to ``decoder_hidden_size``, a 1×1 fuse convolution
    without bias, BatchNorm, a 1×1 classifier)."""
    n = r.num("num_encoder_blocks", default=4) or 4
    depths = r.int_list("depths", [2, 2, 2, 2])
    widths = r.int_list("hidden_sizes", [32, 64, 160, 256])
    srs = r.int_list("sr_ratios", [8, 4, 2, 1])
    patches = r.int_list("patch_sizes", [7, 3, 3, 3])
    ratios = r.int_list("mlp_ratios", [4, 4, 4, 4])
    c_in = r.num("num_channels", default=3) or 3
    mods: list[ModuleShape] = []
    for i in range(n):
        h, depth, ffn = widths[i], depths[i], widths[i] * ratios[i]
        mods += [
            _conv("patch_embeddings.proj", c_in, h, patches[i], bias=True),
            norm("patch_embeddings.layer_norm", h, 1, bias=True, stack=ENC),
            shape("attention.qkv", "attention", h, h, 3 * depth, bias=True, stack=ENC),
            shape("attention.output.dense", "attention", h, h, depth, bias=True, stack=ENC),
            shape("mlp.dense1", "mlp", h, ffn, depth, bias=True, stack=ENC),
            _conv("mlp.dwconv", 1, ffn, 3, bias=True, count=depth),
            shape("mlp.dense2", "mlp", ffn, h, depth, bias=True, stack=ENC),
            norm("layer_norm", h, 2 * depth + 1, bias=True, stack=ENC),
        ]
        if srs[i] > 1:
            mods += [_conv("attention.sr", h, h, srs[i], bias=True, count=depth),
                     norm("attention.layer_norm", h, depth, bias=True, stack=ENC)]  # fmt: skip
        c_in = h
    notes: list[str] = []
    if any(str(a).endswith("ForSemanticSegmentation") for a in r.config.get("architectures") or []):
        dec = r.num("decoder_hidden_size", default=256) or 256
        labels, note = _labels(r, 150)
        notes += [note] if note else []
        mods += [
            *(shape("linear_c.proj", "other", w, dec, 1, bias=True, stack="head") for w in widths),
            _conv("linear_fuse", n * dec, dec, 1, bias=False, stack="head"),
            norm("batch_norm", dec, 1, bias=True, stack="head"),
            _conv("classifier", dec, labels, 1, bias=True, stack="head"),
        ]
    return _vision(model_type, mods, notes, num_layers=sum(depths), hidden_size=widths[-1])


RESNET_DEPTHS = {"resnet18": [2, 2, 2, 2], "resnet34": [3, 4, 6, 3],
                 "resnet50": [3, 4, 6, 3], "resnet101": [3, 4, 23, 3],
                 "resnet152": [3, 8, 36, 3]}  # fmt: skip
"""Blocks per stage of the torchvision/timm ResNets (He et al. 2015, Table 1)."""


def detr(r: ConfigReader, model_type: str) -> ModelArch:
    """DETR (``modeling_detr.py``; Carion et al. 2020, arXiv 2005.12872): a ResNet backbone
    without its classifier (``backbone`` names a timm ResNet, or ``backbone_config`` gives an
    HF one), a 1×1 input projection to ``d_model``, a post-norm encoder and a decoder with
    cross-attention and a final LayerNorm, learned object queries, a class head
    (labels + "no object") and a 3-layer box MLP."""
    d = r.req("d_model")
    enc, dec = r.req("encoder_layers"), r.req("decoder_layers")
    sub = r.sub("backbone_config")
    name = r.text("backbone") or "resnet50"
    if sub is not None:
        widths = sub.int_list("hidden_sizes", [256, 512, 1024, 2048])
        depths = sub.int_list("depths", [3, 4, 6, 3])
        bottleneck = (sub.text("layer_type") or "bottleneck") == "bottleneck"
    elif name in RESNET_DEPTHS:
        depths = RESNET_DEPTHS[name]
        bottleneck = name not in ("resnet18", "resnet34")
        widths = [256, 512, 1024, 2048] if bottleneck else [64, 128, 256, 512]
    else:
        raise r._fail(f"backbone {name!r} is not a ResNet this reader knows")
    mods = [m.model_copy(update={"stack": "backbone"})
            for m in resnet_backbone(3, 64, widths, depths, bottleneck)]  # fmt: skip
    heads = r.req("encoder_attention_heads")
    b = Block(
        hidden=d, heads=heads, kv_heads=heads, head_dim=d // heads,
        intermediate=r.req("encoder_ffn_dim"), gated=False, o="out_proj", up="fc1",
        down="fc2", qkv_bias=True, o_bias=True, mlp_bias=True, norm_bias=True,
    )  # fmt: skip
    dec_b = replace(b, intermediate=r.req("decoder_ffn_dim"), cross_attention=True)
    labels, note = _labels(r, 91)
    mods += [
        _conv("input_projection", widths[-1], d, 1, bias=True),
        shape("query_position_embeddings", "embedding", r.req("num_queries"), d, 1, stack=ENC),
        *dense_stack(b, enc, ENC),
        *dense_stack(dec_b, dec, "decoder"),
        norm("decoder.layernorm", d, 1, bias=True, stack="decoder"),
        shape("class_labels_classifier", "other", d, labels + 1, 1, bias=True, stack="head"),
        shape("bbox_predictor", "other", d, d, 2, bias=True, stack="head"),
        shape("bbox_predictor.out", "other", d, 4, 1, bias=True, stack="head"),
    ]
    return _vision(model_type, mods, [note] if note else [], num_layers=dec,
                   encoder_layers=enc, hidden_size=d)  # fmt: skip
