"""From a model's config.json (or a bare parameter count) to the facts the estimators read.

Promises:

- ``load_config(path)`` reads a config.json (or a folder holding one); a missing file is an
  ``UnknownModelError``, an unreadable or malformed one a ``ConfigError`` naming the file.
- ``arch_from_config(config)`` returns a ``ModelArch`` whose ``modules`` list every parameter
  tensor kind (Hugging Face module names) and whose parameter counts are their sums, for the
  families in ``FAMILIES``; nested multimodal configs (``text_config``/``vision_config``) are
  followed. Task heads (classifiers, MLM heads) are not counted unless the config's
  ``architectures`` names a class that has one and the family says so (ViT classification).
- ``module_shapes(arch)`` is that module list; for an arch built by hand without one, it derives
  a Llama-style list from the generic fields (or returns ``[]`` when they are missing).
- ``arch_from_params(params, arch_type)`` is the stand-in for models known only by their count.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from advisor.errors import ConfigError, UnknownModelError
from advisor.estimate import (
    decoders,
    decoders_classic,
    decoders_more,
    encoders,
    seq2seq,
    speech,
    vision,
    vision_sam,
    vlm_more,
)
from advisor.estimate.params import Block, ConfigReader, dense_stack, mlp, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleShape

Reader = Callable[[ConfigReader, str], ModelArch]

FAMILIES: dict[str, Reader] = {
    **dict.fromkeys(decoders.LLAMA_LIKE, decoders.llama_like),
    "deepseek_v2": decoders.deepseek,
    "deepseek_v3": decoders.deepseek,
    "gpt2": decoders_classic.gpt2,
    "gpt_bigcode": decoders_classic.gpt2,
    "gpt_neox": decoders_classic.gpt_neox,
    "falcon": decoders_classic.falcon,
    "RefinedWeb": decoders_classic.falcon,
    "RefinedWebModel": decoders_classic.falcon,
    "phi": decoders_classic.phi,
    "qwen": decoders_classic.qwen_v1,
    "starcoder2": decoders_more.starcoder2,
    "opt": decoders_more.opt,
    "bloom": decoders_more.bloom,
    "gptj": decoders_more.gptj,
    "llama4_text": decoders_more.llama4_text,
    **dict.fromkeys(encoders.BERT_LIKE, encoders.bert),
    "distilbert": encoders.distilbert,
    "deberta-v2": encoders.deberta_v2,
    "modernbert": encoders.modernbert,
    "mpnet": encoders.mpnet,
    "electra": encoders.electra,
    "vit": encoders.vit,
    "clip": encoders.clip,
    "t5": seq2seq.t5,
    "mt5": seq2seq.t5,
    "umt5": seq2seq.t5,
    **dict.fromkeys(seq2seq.BART_LIKE, seq2seq.bart),
    "whisper": seq2seq.whisper,
    "wav2vec2": speech.wav2vec2,
    "dinov2": vision.dinov2,
    "dinov2_with_registers": vision.dinov2,
    "resnet": vision.resnet,
    "convnext": vision.convnext,
    "segformer": vision.segformer,
    "detr": vision.detr,
    "sam": vision_sam.sam,
}
"""config.json ``model_type`` → reader. Multimodal wrappers are handled in ``arch_from_config``."""

_MULTIMODAL = ("llava", "llava_next", "gemma3")

NO_READER = frozenset(
    {"vits", "speecht5", "bark", "musicgen", "hubert", "wavlm", "seamless_m4t", "encodec"}
)
"""Families known here but not read yet: their configs are not Llama-shaped, so a record of
one must state its parameter count instead of having one guessed."""


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a config.json, or the config.json inside a folder.

    Raises UnknownModelError when there is no such file and ConfigError when it cannot be read,
    is not JSON, or is not a JSON object.
    """
    p = Path(path).expanduser()
    file = p / "config.json" if p.is_dir() else p
    if not file.exists():  # a FIFO or device exists: reading it refuses it with its kind
        where = f"{p} has no config.json" if p.is_dir() else f"no such file: {file}"
        raise UnknownModelError(
            where, "give a catalog id (`advisor catalog list`), a config.json or its folder"
        )
    from advisor.safefile import UnreadableFileError, load_json

    try:  # a regular UTF-8 file, size- and depth-bounded (advisor.safefile)
        data = load_json(file)
    except UnreadableFileError as exc:
        raise ConfigError(exc.message, exc.hint) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc}", "check the file's permissions") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{file} is not valid JSON (line {exc.lineno}: {exc.msg})",
            "download the config.json again",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file} is not a JSON object", "pass a model's config.json")
    return data


def arch_from_config(config: Mapping[str, Any], *, source: str | None = None) -> ModelArch:
    """The architecture facts and parameter counts of the model ``config`` describes.

    ``source`` (a file name) prefixes error messages. Raises ConfigError when a required key is
    missing or mistyped, or when the family is unknown and the config does not look like a
    Llama-style decoder.
    """
    from advisor.estimate.class_defaults import with_class_defaults

    config, filled = with_class_defaults(config)
    r = ConfigReader(config, source)
    model_type = r.text("model_type") or ""
    archs = config.get("architectures")
    if archs is not None and not (
        isinstance(archs, list) and all(isinstance(a, str) for a in archs)
    ):
        # The families test class names in it (``"...ForCTC" in architectures``).
        raise ConfigError(
            f"{source + ': ' if source else ''}'architectures' should be a list of class names, "
            f"got {archs!r}"[:300],
            "pass the model's full config.json (the one next to the weights)",
        )
    if filled:
        arch = _read(r, model_type, source)
        note = (
            f"config.json omits {', '.join(filled)}; read with the {model_type} configuration"
            " class's defaults, as transformers does"
        )
        return arch.model_copy(update={"notes": (*arch.notes, note)})
    return _read(r, model_type, source)


def _read(r: ConfigReader, model_type: str, source: str | None) -> ModelArch:
    """Dispatch a config (defaults already filled) to its family's reader."""
    if model_type in NO_READER:
        raise ConfigError(
            f"{source + ': ' if source else ''}no reader for model_type {model_type!r} yet; "
            "its layout is not a Llama-style decoder, so no count is guessed",
            "state the model's parameter count instead",
        )
    if model_type in vlm_more.READERS:
        return vlm_more.READERS[model_type](r, model_type, arch_from_config)
    if model_type in _MULTIMODAL or (
        model_type not in FAMILIES and r.has("text_config") and r.has("vision_config")
    ):
        from advisor.estimate.multimodal import vision_language

        return vision_language(r, model_type, arch_from_config)
    reader = FAMILIES.get(model_type)
    if reader is None:
        if r.has("num_hidden_layers") and r.has("hidden_size") and r.has("num_attention_heads"):
            arch = decoders.llama_like(r, model_type or "unknown")
            note = f"model_type {model_type or '(none)'!r} read as a Llama-style decoder"
            return arch.model_copy(update={"notes": (*arch.notes, note)})
        raise ConfigError(
            f"{source + ': ' if source else ''}unsupported model_type {model_type or '(none)'!r}",
            "supported: " + ", ".join(sorted(FAMILIES)),
        )
    return reader(r, model_type)


def module_shapes(arch: ModelArch) -> list[ModuleShape]:
    """Every parameter tensor kind of ``arch`` with its count across the whole model.

    Uses ``arch.modules`` when the arch came from a config; otherwise derives a Llama-style
    decoder (embeddings, q/k/v/o, gated MLP or routed experts, RMSNorms, untied head unless
    ``tie_word_embeddings``) from the generic fields, or ``[]`` when they are not known.
    """
    if arch.modules:
        return list(arch.modules)
    h, layers, heads = arch.hidden_size, arch.num_layers, arch.num_attention_heads
    if not (h and layers and heads):
        return []
    b = Block(
        hidden=h,
        heads=heads,
        kv_heads=arch.num_key_value_heads or heads,
        head_dim=arch.head_dim or h // heads,
        intermediate=arch.intermediate_size or 4 * h,
        gated=arch.gated_mlp is not False,
    )
    if b.gated is False:
        b = replace(b, up="fc1", down="fc2")
    mods: list[ModuleShape] = []
    if arch.vocab_size:
        mods.append(shape("embed_tokens", "embedding", arch.vocab_size, h, 1))
        if not arch.tie_word_embeddings:
            mods.append(shape("lm_head", "lm_head", h, arch.vocab_size, 1))
    if arch.is_moe and arch.num_experts:
        moe_layers = arch.moe_layers or layers
        mods += [m for m in dense_stack(b, layers, None) if m.kind != "mlp"]
        if layers - moe_layers:
            mods += mlp(b, b.intermediate, layers - moe_layers, "mlp", None)
        mods.append(shape("gate", "router", h, arch.num_experts, moe_layers))
        width = arch.moe_intermediate_size or b.intermediate
        mods += mlp(b, width, moe_layers * arch.num_experts, "expert", None)
    else:
        mods += dense_stack(b, layers, None)
    mods.append(norm("norm", h, 1, bias=False, stack=None))
    return mods


def arch_from_params(params: int, arch_type: ArchType) -> ModelArch:
    """A stand-in for a model known only by its parameter count (YOLO, UNet, speech nets).

    Every shape field is ``None``; the estimators then work from the count alone and say so.
    """
    if params <= 0:
        raise ConfigError(f"parameter count must be positive, got {params}", None)
    return ModelArch(
        arch_type=arch_type,
        params_total=params,
        notes=(f"only the parameter count ({params:,}) is known; no layer shapes",),
    )
