"""Vision-language models with their own towers: Llama 4, Llama 3.2 Vision (mllama), Qwen2-VL,
Qwen2.5-VL, PaliGemma and Mistral 3.

Layouts from ``modeling_llama4.py``, ``modeling_mllama.py``, ``modeling_qwen2_vl.py``,
``modeling_qwen2_5_vl.py``, ``modeling_paligemma.py``, ``modeling_mistral3.py`` and
``modeling_pixtral.py`` (transformers). Sub-configs omit keys equal to their class defaults, so
the defaults below are those of each ``configuration_*.py``. The language model's facts describe
the model; the total includes the tower and projector. The active count of an MoE language model is
per text token and leaves them out, as Meta's "17B active" for Llama 4 does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from advisor.estimate.decoders_more import llama4_text
from advisor.estimate.params import Block, ConfigReader, dense_stack, norm, shape
from advisor.models.arch import ModelArch, ModuleShape

VIS, PROJ = "vision", "projector"
Parse = Callable[..., ModelArch]


def _merged(r: ConfigReader | None, defaults: Mapping[str, Any], where: str) -> ConfigReader:
    values = {k: v for k, v in (r.config if r else {}).items() if v is not None}
    return ConfigReader({**defaults, **values}, r.source if r else where)


def _join(text: ModelArch, model_type: str, extra: list[ModuleShape]) -> ModelArch:
    """``text`` with the vision tower and projector ``extra`` added to its counts."""
    added = sum(m.params for m in extra)
    text_mods = tuple(m.model_copy(update={"stack": "text"}) for m in text.modules)
    return text.model_copy(
        update={
            "model_type": model_type,
            "modules": (*text_mods, *extra),
            "params_total": text.params_total + added,
            "notes": (
                *text.notes,
                f"vision tower and projector ({added:,} parameters) counted with the language "
                "model",
            ),
        }
    )


def _vit_block(hidden: int, heads: int, inter: int, *, bias: bool) -> Block:
    return Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=inter, gated=False, up="fc1", down="fc2", qkv_bias=bias, o_bias=bias,
        mlp_bias=True, norm_bias=True,
    )  # fmt: skip


LLAMA4_VISION_DEFAULTS = {
    "hidden_size": 768, "num_hidden_layers": 34, "num_attention_heads": 16, "num_channels": 3,
    "intermediate_size": 5632, "vision_output_dim": 7680, "image_size": 448, "patch_size": 14,
    "projector_input_dim": 4096, "projector_output_dim": 4096,
}  # fmt: skip
"""transformers ``Llama4VisionConfig`` defaults."""


def llama4(r: ConfigReader, model_type: str, parse: Parse) -> ModelArch:
    """Llama 4 (Scout, Maverick): ``text_config`` is the MoE language model; the vision tower
    is a ViT with biased attention, a class token, an unfolded (linear, bias-free) patch
    projection, pre/post LayerNorms, a pixel-shuffle adapter ``fc1``/``fc2`` (bias-free) and a
    bias-free projector ``linear_1`` to the text width."""
    text_r = r.sub("text_config") or r
    text = llama4_text(text_r, "llama4_text")
    v = _merged(r.sub("vision_config"), LLAMA4_VISION_DEFAULTS, "vision_config")
    h, inter = v.req("hidden_size"), v.req("intermediate_size")
    layers, patch = v.req("num_hidden_layers"), v.req("patch_size")
    patches = (v.req("image_size") // patch) ** 2
    b = _vit_block(h, v.req("num_attention_heads"), inter, bias=True)
    extra = [
        shape("patch_embedding.linear", "other", v.req("num_channels") * patch * patch, h, 1,
              stack=VIS),
        shape("class_embedding", "other", 1, h, 1, stack=VIS),
        shape("positional_embedding_vlm", "embedding", patches + 1, h, 1, stack=VIS),
        norm("layernorm_pre", h, 2, bias=True, stack=VIS),
        *dense_stack(b, layers, VIS),
        shape("vision_adapter.mlp.fc1", "other", inter, v.req("projector_input_dim"), 1,
              stack=VIS),
        shape("vision_adapter.mlp.fc2", "other", v.req("projector_output_dim"),
              v.req("projector_output_dim"), 1, stack=VIS),
        shape("linear_1", "other", v.req("vision_output_dim"), text.hidden_size or 0, 1,
              stack=PROJ),
    ]  # fmt: skip
    return _join(text, model_type, extra)


MLLAMA_TEXT_DEFAULTS = {
    "vocab_size": 128256, "hidden_size": 4096, "num_hidden_layers": 40,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
    "max_position_embeddings": 131072, "cross_attention_layers": [3, 8, 13, 18, 23, 28, 33, 38],
}  # fmt: skip
MLLAMA_VISION_DEFAULTS = {
    "hidden_size": 1280, "num_hidden_layers": 32, "num_global_layers": 8,
    "attention_heads": 16, "num_channels": 3, "intermediate_size": 5120,
    "vision_output_dim": 7680, "image_size": 448, "patch_size": 14, "max_num_tiles": 4,
}  # fmt: skip
"""transformers ``MllamaTextConfig`` / ``MllamaVisionConfig`` defaults."""


def mllama(r: ConfigReader, model_type: str, parse: Parse) -> ModelArch:
    """Llama 3.2 Vision (``modeling_mllama.py``).

    Text: a Llama whose token table has 8 extra rows; the ``cross_attention_layers`` are among
    ``num_hidden_layers`` and swap self- for cross-attention of the same shapes, adding q/k
    RMSNorms over ``head_dim`` and two scalar tanh gates. Vision: bias-free patch convolution,
    class token, gated position table, a tile-position table per aspect ratio, pre/post tile
    tables, ``num_hidden_layers`` local plus ``num_global_layers`` gated global layers (attention
    without bias); projector ``vision_output_dim`` → text width with bias.
    """
    t = _merged(r.sub("text_config"), MLLAMA_TEXT_DEFAULTS, "text_config")
    cross = t.config.get("cross_attention_layers") or []
    n_cross = len(cross) if isinstance(cross, list) else 0
    vocab = t.req("vocab_size")
    text_cfg = {**t.config, "model_type": "llama", "vocab_size": vocab}
    text = parse(text_cfg, source=t.source)
    h, heads = t.req("hidden_size"), t.req("num_attention_heads")
    head_dim = t.num("head_dim") or h // heads
    text_extra = [
        shape("embed_tokens.extra_rows", "embedding", 8, h, 1, stack="text"),
        norm("cross_attn.qk_norm", head_dim, 2 * n_cross, bias=False, stack="text"),
        shape("cross_attn_gates", "other", 1, 2, n_cross, stack="text"),
    ]
    v = _merged(r.sub("vision_config"), MLLAMA_VISION_DEFAULTS, "vision_config")
    vh, patch, tiles = v.req("hidden_size"), v.req("patch_size"), v.req("max_num_tiles")
    positions = (v.req("image_size") // patch) ** 2 + 1
    # Supported aspect ratios: tile grids (w, h) with w·h ≤ max_num_tiles; ids start at 1.
    listed = v.config.get("supported_aspect_ratios")
    ratios = (
        len(listed)
        if isinstance(listed, list) and listed
        else sum(1 for w in range(1, tiles + 1) for hh in range(1, tiles + 1) if w * hh <= tiles)
    )
    heads = v.req("attention_heads", "num_attention_heads")  # MllamaVisionConfig's key
    b = _vit_block(vh, heads, v.req("intermediate_size"), bias=False)
    local, global_ = v.req("num_hidden_layers"), v.req("num_global_layers")
    extra = [
        *text_extra,
        shape("patch_embedding", "other", v.req("num_channels") * patch * patch, vh, 1,
              stack=VIS),
        shape("class_embedding", "other", 1, vh, 1, stack=VIS),
        shape("gated_positional_embedding.embedding", "embedding", positions, vh, 1, stack=VIS),
        shape("gated_positional_embedding.tile_embedding", "embedding", ratios + 1,
              tiles * positions * vh, 1, stack=VIS),
        shape("tile_positional_embedding", "embedding", ratios + 1, tiles * vh, 2, stack=VIS),
        shape("gates", "other", 1, 1, 3 + 2 * global_, stack=VIS),
        norm("layernorm_pre", vh, 2, bias=True, stack=VIS),
        *dense_stack(b, local + global_, VIS),
        shape("multi_modal_projector", "other", v.req("vision_output_dim"), h, 1, bias=True,
              stack=PROJ),
    ]  # fmt: skip
    return _join(text, model_type, extra)


QWEN2_VL_VISION_DEFAULTS = {
    "depth": 32, "embed_dim": 1280, "hidden_size": 3584, "mlp_ratio": 4, "num_heads": 16,
    "in_channels": 3, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
}  # fmt: skip
QWEN2_5_VL_VISION_DEFAULTS = {
    "depth": 32, "hidden_size": 3584, "intermediate_size": 3420, "num_heads": 16,
    "in_channels": 3, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
    "out_hidden_size": 3584,
}  # fmt: skip
QWEN2_VL_TEXT_DEFAULTS = {
    "vocab_size": 152064, "hidden_size": 8192, "intermediate_size": 29568,
    "num_hidden_layers": 80, "num_attention_heads": 64, "num_key_value_heads": 8,
    "max_position_embeddings": 32768, "tie_word_embeddings": False,
}  # fmt: skip
"""transformers ``Qwen2VLVisionConfig``, ``Qwen2_5_VLVisionConfig`` and ``Qwen2VLTextConfig``
defaults (``Qwen2_5_VLTextConfig`` has the same text defaults)."""


def qwen2_vl(r: ConfigReader, model_type: str, parse: Parse) -> ModelArch:
    """Qwen2-VL and Qwen2.5-VL.

    The language model is Qwen2 (biased q/k/v); its keys sit at the top level (older configs)
    or in ``text_config`` (newer ones), and both are read. Vision: a bias-free 3-D patch
    convolution over ``temporal_patch_size`` frames, ``depth`` blocks with fused biased ``qkv``
    and ``proj``, then a patch merger (norm, two biased linears over ``spatial_merge_size``²
    patches) to the text width. Qwen2-VL blocks use LayerNorm and a GELU MLP of
    ``embed_dim·mlp_ratio``; Qwen2.5-VL blocks use RMSNorm and a biased SwiGLU MLP of
    ``intermediate_size``, with ``hidden_size`` as the tower width and ``out_hidden_size``
    the merger output.
    """
    nested = r.sub("text_config")
    text_cfg: dict[str, Any] = {**QWEN2_VL_TEXT_DEFAULTS}
    text_cfg.update({k: v for k, v in r.config.items() if v is not None})
    text_cfg.update({k: v for k, v in (nested.config if nested else {}).items() if v is not None})
    text = parse({**text_cfg, "model_type": "qwen2"}, source=r.source)
    v25 = model_type == "qwen2_5_vl"
    defaults = QWEN2_5_VL_VISION_DEFAULTS if v25 else QWEN2_VL_VISION_DEFAULTS
    v = _merged(r.sub("vision_config"), defaults, "vision_config")
    width = v.req("hidden_size") if v25 else v.req("embed_dim")
    out = v.req("out_hidden_size") if v25 else v.req("hidden_size")
    depth, heads = v.req("depth"), v.req("num_heads")
    patch, frames = v.req("patch_size"), v.req("temporal_patch_size")
    merged = width * v.req("spatial_merge_size") ** 2
    inter = v.req("intermediate_size") if v25 else width * v.req("mlp_ratio")
    b = Block(
        hidden=width, heads=heads, kv_heads=heads, head_dim=width // heads, intermediate=inter,
        gated=v25, fused_qkv="qkv", o="proj", up="up_proj" if v25 else "fc1",
        down="down_proj" if v25 else "fc2", qkv_bias=True, o_bias=True, mlp_bias=True,
        norm_bias=not v25,
    )  # fmt: skip
    c_in = v.req("in_channels", "in_chans")
    extra = [
        shape("patch_embed.proj", "other", c_in * frames * patch * patch, width, 1, stack=VIS),
        *dense_stack(b, depth, VIS),
        norm("merger.ln_q", width, 1, bias=not v25, stack=PROJ),
        shape("merger.mlp.0", "other", merged, merged, 1, bias=True, stack=PROJ),
        shape("merger.mlp.2", "other", merged, out, 1, bias=True, stack=PROJ),
    ]  # fmt: skip
    return _join(text, model_type, extra)


def _siglip_tower(v: ConfigReader, *, head: bool) -> tuple[list[ModuleShape], int]:
    """SigLIP vision tower (``modeling_siglip.py``): biased patch convolution, no class token,
    learned positions, ``post_layernorm`` and, when ``head``, the attention-pooling head."""
    from advisor.estimate.encoders import vision_tower

    mods, b, _ = vision_tower(v, stack=VIS, clip_style=False, class_token=False, head=head)
    return mods, b.hidden


SIGLIP_DEFAULTS = {
    "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
    "num_attention_heads": 12, "image_size": 224, "patch_size": 16, "num_channels": 3,
}  # fmt: skip
"""transformers ``SiglipVisionConfig`` defaults."""


def paligemma(r: ConfigReader, model_type: str, parse: Parse) -> ModelArch:
    """PaliGemma 1/2 (``modeling_paligemma.py``): a SigLIP tower without the pooling head (the
    checkpoints hold none; ``PaliGemmaConfig`` builds its vision config with
    ``vision_use_head=False``), one biased ``linear`` to ``projection_dim``, and a Gemma (1) or
    Gemma 2 language model from ``text_config``."""
    t = r.sub("text_config")
    text_type = (t.text("model_type") if t else None) or "gemma"
    text = parse({**(t.config if t else {}), "model_type": text_type}, source=r.source)
    v = _merged(r.sub("vision_config"), SIGLIP_DEFAULTS, "vision_config")
    vmods, vh = _siglip_tower(v, head=v.flag("vision_use_head", False))
    proj = r.num("projection_dim", default=2048) or 2048
    extra = [*vmods, shape("linear", "other", vh, proj, 1, bias=True, stack=PROJ)]
    return _join(text, model_type, extra)


PIXTRAL_DEFAULTS = {
    "hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24,
    "num_attention_heads": 16, "num_channels": 3, "image_size": 1024, "patch_size": 16,
}  # fmt: skip
"""transformers ``PixtralVisionConfig`` defaults."""


def mistral3(r: ConfigReader, model_type: str, parse: Parse) -> ModelArch:
    """Mistral 3 (Mistral Small 3.1; ``modeling_mistral3.py``): a Mistral language model, a
    Pixtral tower (bias-free patch convolution, RMSNorm ``ln_pre``, Llama-style blocks without
    biases) and a projector: RMSNorm, a bias-free patch merger over ``spatial_merge_size``²
    patches, and ``linear_1``/``linear_2`` (biased when ``multimodal_projector_bias``)."""
    t = r.sub("text_config")
    text_type = (t.text("model_type") if t else None) or "mistral"
    text = parse({**(t.config if t else {}), "model_type": text_type}, source=r.source)
    v = _merged(r.sub("vision_config"), PIXTRAL_DEFAULTS, "vision_config")
    h, heads, patch = v.req("hidden_size"), v.req("num_attention_heads"), v.req("patch_size")
    b = Block(
        hidden=h, heads=heads, kv_heads=heads, head_dim=v.num("head_dim") or h // heads,
        intermediate=v.req("intermediate_size"), gated=True,
    )  # fmt: skip
    th = text.hidden_size or 0
    merge = r.num("spatial_merge_size", default=2) or 2
    bias = r.flag("multimodal_projector_bias", False)
    extra = [
        shape("patch_conv", "other", v.req("num_channels") * patch * patch, h, 1, stack=VIS),
        norm("ln_pre", h, 1, bias=False, stack=VIS),
        *dense_stack(b, v.req("num_hidden_layers"), VIS),
        norm("norm", h, 1, bias=False, stack=PROJ),
        shape("patch_merger.merging_layer", "other", h * merge * merge, h, 1, stack=PROJ),
        shape("linear_1", "other", h, th, 1, bias=bias, stack=PROJ),
        shape("linear_2", "other", th, th, 1, bias=bias, stack=PROJ),
    ]
    return _join(text, model_type, extra)


READERS: dict[str, Callable[[ConfigReader, str, Parse], ModelArch]] = {
    "llama4": llama4,
    "mllama": mllama,
    "qwen2_vl": qwen2_vl,
    "qwen2_5_vl": qwen2_vl,
    "paligemma": paligemma,
    "mistral3": mistral3,
}
"""config.json ``model_type`` → reader for the VLMs in this module."""
