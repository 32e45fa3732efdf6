"""Segment Anything (``modeling_sam.py``; Kirillov et al. 2023, arXiv 2304.02643).

Three parts: a ViT image encoder with windowed attention, relative-position tables and a
convolutional neck; a prompt encoder (point and mask embeddings); a two-way-transformer mask
decoder with upscaling convolutions and hypernetwork MLPs. Defaults are those of
``SamVisionConfig``, ``SamPromptEncoderConfig`` and ``SamMaskDecoderConfig``. The random
Fourier positional matrix shared by the prompt encoder is a buffer and is not counted.
"""

from __future__ import annotations

from typing import Any

from advisor.estimate.decoders import finish
from advisor.estimate.params import Block, ConfigReader, dense_stack, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleShape

VISION_DEFAULTS: dict[str, Any] = {
    "hidden_size": 768, "output_channels": 256, "num_hidden_layers": 12,
    "num_attention_heads": 12, "num_channels": 3, "image_size": 1024, "patch_size": 16,
    "window_size": 14, "global_attn_indexes": [2, 5, 8, 11],
}  # fmt: skip
PROMPT_DEFAULTS: dict[str, Any] = {
    "hidden_size": 256, "mask_input_channels": 16, "num_point_embeddings": 4,
}  # fmt: skip
DECODER_DEFAULTS: dict[str, Any] = {
    "hidden_size": 256, "mlp_dim": 2048, "num_hidden_layers": 2,
    "attention_downsample_rate": 2, "num_multimask_outputs": 3, "iou_head_depth": 3,
    "iou_head_hidden_dim": 256,
}  # fmt: skip


def _sub(r: ConfigReader, key: str, defaults: dict[str, Any]) -> ConfigReader:
    s = r.sub(key)
    values = {k: v for k, v in (s.config if s else {}).items() if v is not None}
    return ConfigReader({**defaults, **values}, s.source if s else key)


def _ffn(name: str, d_in: int, hidden: int, d_out: int, layers: int, count: int,
         stack: str) -> list[ModuleShape]:  # fmt: skip
    """``SamFeedForward``: ``proj_in``, ``layers - 2`` hidden linears, ``proj_out``; biased."""
    return [
        shape(f"{name}.proj_in", "other", d_in, hidden, count, bias=True, stack=stack),
        shape(f"{name}.layers", "other", hidden, hidden, count * (layers - 2), bias=True,
              stack=stack),
        shape(f"{name}.proj_out", "other", hidden, d_out, count, bias=True, stack=stack),
    ]  # fmt: skip


def _attn(name: str, d: int, downsample: int, count: int) -> list[ModuleShape]:
    """``SamAttention``: q/k/v project to ``d / downsample``, ``out_proj`` back; biased."""
    inner = d // downsample
    return [
        shape(f"{name}.qkv", "attention", d, inner, 3 * count, bias=True, stack="mask_decoder"),
        shape(f"{name}.out_proj", "attention", inner, d, count, bias=True, stack="mask_decoder"),
    ]


def sam(r: ConfigReader, model_type: str) -> ModelArch:
    """The whole ``SamModel``: image encoder, prompt encoder and mask decoder."""
    v = _sub(r, "vision_config", VISION_DEFAULTS)
    h, layers, heads = (
        v.req("hidden_size"),
        v.req("num_hidden_layers"),
        v.req("num_attention_heads"),
    )
    patch, grid = v.req("patch_size"), v.req("image_size") // v.req("patch_size")
    out = v.req("output_channels")
    ratio = v.real("mlp_ratio", 4.0) or 4.0
    inter = v.num("mlp_dim") or int(h * ratio)
    head_dim = h // heads
    glob = v.config.get("global_attn_indexes") or []
    n_global = len(glob) if isinstance(glob, list) else 0
    b = Block(
        hidden=h, heads=heads, kv_heads=heads, head_dim=head_dim, intermediate=inter,
        gated=False, fused_qkv="qkv", o="proj", up="lin1", down="lin2",
        qkv_bias=v.flag("qkv_bias", True), o_bias=True, mlp_bias=True, norm_bias=True,
    )  # fmt: skip
    mods: list[ModuleShape] = [
        shape("patch_embed", "other", v.req("num_channels") * patch * patch, h, 1, bias=True,
              stack="vision"),
        *dense_stack(b, layers, "vision"),
        shape("neck.conv1", "other", h, out, 1, stack="vision"),
        shape("neck.conv2", "other", out * 9, out, 1, stack="vision"),
        norm("neck.layer_norm", out, 2, bias=True, stack="vision"),
    ]  # fmt: skip
    if v.flag("use_abs_pos", True):
        mods.append(shape("pos_embed", "embedding", grid * grid, h, 1, stack="vision"))
    if v.flag("use_rel_pos", True):
        # rel_pos_h and rel_pos_w: (2·size − 1) × head_dim, size = window or the full grid.
        window = v.req("window_size")
        mods += [
            shape("rel_pos", "other", 2 * window - 1, head_dim, 2 * (layers - n_global),
                  stack="vision"),
            shape("rel_pos.global", "other", 2 * grid - 1, head_dim, 2 * n_global,
                  stack="vision"),
        ]  # fmt: skip

    p = _sub(r, "prompt_encoder_config", PROMPT_DEFAULTS)
    ph, mask_ch = p.req("hidden_size"), p.req("mask_input_channels")
    mods += [
        shape("mask_embed.conv1", "other", 4, mask_ch // 4, 1, bias=True, stack="prompt"),
        shape("mask_embed.conv2", "other", mask_ch // 4 * 4, mask_ch, 1, bias=True,
              stack="prompt"),
        shape("mask_embed.conv3", "other", mask_ch, ph, 1, bias=True, stack="prompt"),
        norm("mask_embed.layer_norm1", mask_ch // 4, 1, bias=True, stack="prompt"),
        norm("mask_embed.layer_norm2", mask_ch, 1, bias=True, stack="prompt"),
        shape("point_embed", "embedding", p.req("num_point_embeddings") + 2, ph, 1,
              stack="prompt"),  # + no_mask_embed and not_a_point_embed
    ]  # fmt: skip

    m = _sub(r, "mask_decoder_config", DECODER_DEFAULTS)
    d, blocks, down = (
        m.req("hidden_size"),
        m.req("num_hidden_layers"),
        m.req("attention_downsample_rate"),
    )
    tokens = m.req("num_multimask_outputs") + 1
    mods += [
        shape("iou_and_mask_tokens", "embedding", 1 + tokens, d, 1, stack="mask_decoder"),
        *_attn("self_attn", d, 1, blocks),
        *_attn("cross_attn", d, down, 2 * blocks + 1),
        shape("mlp.lin1", "mlp", d, m.req("mlp_dim"), blocks, bias=True, stack="mask_decoder"),
        shape("mlp.lin2", "mlp", m.req("mlp_dim"), d, blocks, bias=True, stack="mask_decoder"),
        norm("layer_norm", d, 4 * blocks + 1, bias=True, stack="mask_decoder"),
        shape("upscale_conv1", "other", d * 4, d // 4, 1, bias=True, stack="mask_decoder"),
        shape("upscale_conv2", "other", d // 4 * 4, d // 8, 1, bias=True, stack="mask_decoder"),
        norm("upscale_layer_norm", d // 4, 1, bias=True, stack="mask_decoder"),
        *_ffn("output_hypernetworks_mlps", d, d, d // 8, 3, tokens, "mask_decoder"),
        *_ffn("iou_prediction_head", d, m.req("iou_head_hidden_dim"), tokens,
              m.req("iou_head_depth"), 1, "mask_decoder"),
    ]  # fmt: skip
    return finish(
        model_type, ArchType.VISION, mods, num_layers=layers, hidden_size=h,
        intermediate_size=inter, num_attention_heads=heads, num_key_value_heads=heads,
        head_dim=head_dim, gated_mlp=False,
    )  # fmt: skip
