"""Vision-language models: a language model, a vision tower and a projector between them.

LLaVA (``modeling_llava.py``: CLIP vision tower, two-layer MLP projector ``linear_1``/``linear_2``
with bias) and Gemma 3 (``modeling_gemma3.py``: SigLIP tower without pooling head, RMSNorm and
one projection matrix). Sub-configs often omit keys equal to their class defaults, so the
defaults of ``LlamaConfig``, ``Gemma3TextConfig``, ``CLIPVisionConfig`` and
``SiglipVisionConfig`` (transformers) fill them. The language model's facts (layers, heads, KV)
describe the model; the counts include every part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from advisor.estimate.encoders import CLIP_VISION_DEFAULTS, vision_tower, with_defaults
from advisor.estimate.params import ConfigReader, norm, shape
from advisor.models.arch import ModelArch, ModuleShape

TEXT_DEFAULTS: dict[str, dict[str, int]] = {
    "llama": {
        "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008,
        "num_hidden_layers": 32, "num_attention_heads": 32, "max_position_embeddings": 2048,
    },
    "gemma3_text": {
        "vocab_size": 262208, "hidden_size": 2304, "intermediate_size": 9216,
        "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4,
        "head_dim": 256, "sliding_window": 4096, "sliding_window_pattern": 6,
        "max_position_embeddings": 131072,
    },
}  # fmt: skip

SIGLIP_DEFAULTS = {
    "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
    "num_attention_heads": 12, "image_size": 224, "patch_size": 16, "num_channels": 3,
}  # fmt: skip

Parse = Callable[..., ModelArch]


def vision_language(r: ConfigReader, model_type: str, parse: Parse) -> ModelArch:
    """The combined arch of a VLM config; ``parse`` reads the nested language-model config."""
    text_r = r.sub("text_config")
    text_type = (text_r.text("model_type") if text_r else None) or (
        "gemma3_text" if model_type == "gemma3" else "llama"
    )
    text_cfg: dict[str, Any] = {
        **TEXT_DEFAULTS.get(text_type, {}),
        **{k: v for k, v in (text_r.config if text_r else {}).items() if v is not None},
        "model_type": text_type,
    }
    text = parse(text_cfg, source=f"{r.source}:text_config" if r.source else "text_config")
    text_mods = [m.model_copy(update={"stack": "text"}) for m in text.modules]

    vision_r = r.sub("vision_config")
    vision_type = (vision_r.text("model_type") if vision_r else None) or "clip_vision_model"
    siglip = vision_type.startswith("siglip")
    vision = with_defaults(vision_r, SIGLIP_DEFAULTS if siglip else CLIP_VISION_DEFAULTS,
                           "vision_config")  # fmt: skip
    vmods, vb, _ = vision_tower(
        vision, stack="vision", clip_style=not siglip, class_token=not siglip,
        head=siglip and vision.flag("vision_use_head", model_type != "gemma3"),
    )  # fmt: skip
    th = text.hidden_size or 0
    proj: list[ModuleShape]
    if model_type == "gemma3":
        proj = [
            norm("mm_soft_emb_norm", vb.hidden, 1, bias=False, stack="projector"),
            shape("mm_input_projection", "other", vb.hidden, th, 1, stack="projector"),
        ]
    else:
        layers = r.config.get("vision_feature_layer")
        n_feat = len(layers) if isinstance(layers, list) else 1
        bias = r.flag("multimodal_projector_bias", True)
        proj = [
            shape("linear_1", "other", vb.hidden * n_feat, th, 1, bias=bias, stack="projector"),
            shape("linear_2", "other", th, th, 1, bias=bias, stack="projector"),
        ]
    extra = sum(m.params for m in (*vmods, *proj))
    update: Mapping[str, Any] = {
        "model_type": model_type or text.model_type,
        "modules": (*text_mods, *vmods, *proj),
        "params_total": text.params_total + extra,
        "params_active": text.params_active + extra if text.params_active else None,
        "notes": (
            *text.notes,
            f"vision tower and projector ({extra:,} parameters) counted with the language model",
        ),
    }
    return text.model_copy(update=dict(update))
