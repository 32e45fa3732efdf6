"""Turning Hub answers into advisor's facts: parameter counts, GGUF files, a ``ModelSpec``.

Pure functions: no network, no huggingface_hub. The parameter count of a safetensors
checkpoint is the sum, over the tensors its headers list, of the product of each shape
(https://huggingface.co/docs/safetensors/index#format: ``{name: {dtype, shape, data_offsets}}``
plus an optional ``__metadata__`` entry) — the same count the Hub shows on a model page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from math import prod
from typing import TYPE_CHECKING, Any

from advisor.hub.types import GgufFile, HubModel

if TYPE_CHECKING:
    from advisor.catalog.store import Catalog
    from advisor.models.arch import ArchType, ModelArch
    from advisor.models.catalog import Dtype, ModelSpec
    from advisor.models.task import Task

_GGUF_QUANT = re.compile(
    r"(?<![A-Za-z0-9])(I?Q\d(?:_[A-Z0-9]+)*|BF16|F16|F32|FP16|FP32)(?=[.\-_]|$)", re.IGNORECASE
)
"""llama.cpp quantisation type names as they appear in GGUF file names (Q4_K_M, IQ2_XS, Q8_0,
BF16...): the type list is llama.cpp's ``ggml_type`` / ``llama_ftype`` names."""

_DTYPES: dict[str, Dtype] = {
    "float32": "fp32", "float": "fp32", "bfloat16": "bf16", "float16": "fp16", "half": "fp16",
    "F32": "fp32", "BF16": "bf16", "F16": "fp16", "F8_E4M3": "fp8", "F8_E5M2": "fp8",
}  # fmt: skip
"""config.json ``torch_dtype`` names and safetensors dtype names → the catalog's Dtype."""

HUB_LICENCES: dict[str, str] = {
    "gpl-3.0": "GPL-3.0-only", "agpl-3.0": "AGPL-3.0-only", "openrail++": "LicenseRef-OpenRAIL++-M",
    "bigcode-openrail-m": "LicenseRef-BigCode-OpenRAIL-M", "llama2": "LicenseRef-Llama-2",
    "llama3": "LicenseRef-Llama-3", "llama3.1": "LicenseRef-Llama-3.1",
    "llama3.2": "LicenseRef-Llama-3.2", "llama3.3": "LicenseRef-Llama-3.3",
    "llama4": "LicenseRef-Llama-4", "gemma": "LicenseRef-Gemma", "qwen": "LicenseRef-Qwen",
    "qwen-research": "LicenseRef-Qwen-Research", "deepseek": "LicenseRef-DeepSeek",
    "mrl": "LicenseRef-Mistral-Research", "falcon-llm-license": "LicenseRef-Falcon-LLM",
    "flux-1-dev-non-commercial-license": "LicenseRef-FLUX-1-dev",
    "stabilityai-ai-community": "LicenseRef-Stability-Community",
    "nvidia-open-model-license": "LicenseRef-NVIDIA-Open-Model",
    "coqui-public-model-license": "LicenseRef-Coqui-Public-Model",
    "sai-nc-community": "LicenseRef-SAI-NC-Community",
}  # fmt: skip
"""Hub licence ids (https://huggingface.co/docs/hub/repositories-licenses) and common
``license_name`` values under ``license: other`` → ids in catalog/licenses.toml. Ids that only
differ in case (apache-2.0 / Apache-2.0) are matched without this table."""

UNKNOWN_LICENCE = "LicenseRef-Unknown"


def params_by_dtype(headers: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Parameters per safetensors dtype, summed over the tensors of every header.

    Raises ValueError when an entry is not a tensor description.
    """
    counts: dict[str, int] = {}
    for header in headers:
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if not isinstance(info, Mapping):
                raise ValueError(f"tensor {name!r} is not described by an object")
            dtype, shape = info.get("dtype"), info.get("shape")
            if not isinstance(dtype, str) or not isinstance(shape, list):
                raise ValueError(f"tensor {name!r} has no dtype or shape")
            if not all(isinstance(d, int) and d >= 0 for d in shape):
                raise ValueError(f"tensor {name!r} has a malformed shape")
            counts[dtype] = counts.get(dtype, 0) + prod(shape)
    return counts


def gguf_quant(filename: str) -> str | None:
    """The quantisation type a GGUF file name states (``...-Q4_K_M.gguf`` → ``Q4_K_M``)."""
    stem = filename.rsplit("/", 1)[-1].removesuffix(".gguf")
    found = _GGUF_QUANT.findall(stem)
    return found[-1].upper() if found else None


def gguf_files(siblings: Iterable[tuple[str, int | None]]) -> list[GgufFile]:
    """The ``.gguf`` files among ``(filename, size)`` pairs, with their quantisation types."""
    return [
        GgufFile(filename=name, size_bytes=size, quant=gguf_quant(name))
        for name, size in siblings
        if name.lower().endswith(".gguf")
    ]


def card_languages(value: Any) -> list[str] | None:
    """The model card's ``language`` (a code or a list of codes), lower-cased, or None."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        return None
    codes = [str(v).strip().lower() for v in items if str(v).strip()]
    return list(dict.fromkeys(codes)) or None


def catalog_licence(hub_licence: str | None, known: Iterable[str]) -> str | None:
    """The catalog licence id for a Hub licence id, or None when the catalog has none."""
    if not hub_licence:
        return None
    ids = {k.lower(): k for k in known}
    key = hub_licence.strip().lower()
    if key in ids:
        return ids[key]
    mapped = HUB_LICENCES.get(key)
    return mapped if mapped in ids.values() else None


def model_id(repo_id: str) -> str:
    """A catalog id for a repo: its name, lower-cased, other characters turned into '-'."""
    name = repo_id.rsplit("/", 1)[-1].lower()
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", name).strip("-.")
    return cleaned or re.sub(r"[^a-z0-9.-]+", "-", repo_id.lower()).strip("-.")


def native_dtype(model: HubModel) -> Dtype | None:
    """The published weights' precision: config ``torch_dtype`` (or ``dtype``), else the
    safetensors dtype holding most parameters."""
    config = model.config or {}
    for key in ("torch_dtype", "dtype"):
        value = config.get(key)
        if isinstance(value, str) and value in _DTYPES:
            return _DTYPES[value]
    counts = model.params_by_dtype
    if counts:
        return _DTYPES.get(max(counts, key=counts.__getitem__))
    return None


def arch(model: HubModel) -> ModelArch:
    """Architecture facts for the estimators.

    From config.json when the estimators can read it; otherwise a parameter-only stand-in
    from the counted parameters. A config count more than 1 % away from the counted weights is
    noted. Raises ``MalformedConfig`` when neither works.
    """
    from advisor.errors import ConfigError
    from advisor.estimate.config import arch_from_config, arch_from_params
    from advisor.hub.errors import MalformedConfig, NoModelFiles

    reason: str | None = None
    if model.config:
        try:
            found = arch_from_config(model.config, source=f"{model.repo_id} config.json")
        except ConfigError as exc:
            reason = exc.message
        else:
            if model.params and abs(found.params_total - model.params) > 0.01 * model.params:
                note = (
                    f"config.json gives {found.params_total:,} parameters, the weights hold "
                    f"{model.params:,}"
                )
                found = found.model_copy(update={"notes": (*found.notes, note)})
            return found
    if model.params is None:
        if reason is not None:
            raise MalformedConfig(model.repo_id, f"config.json is not usable ({reason})")
        raise NoModelFiles(model.repo_id)
    stand_in = arch_from_params(model.params, _arch_type(model))
    where = {"gguf-metadata": "GGUF metadata", "hub-api": "the Hub's count"}.get(
        model.params_source or "", "the safetensors headers"
    )
    notes = [f"parameters from {where}"]
    if reason is not None:
        notes.append(f"config.json not readable ({reason}); sized from the parameter count")
    return stand_in.model_copy(update={"notes": (*stand_in.notes, *notes)})


def _arch_type(model: HubModel) -> ArchType:
    from advisor.models.arch import ArchType

    config = model.config or {}
    if config.get("is_encoder_decoder"):
        return ArchType.ENCODER_DECODER
    tag = model.pipeline_tag or ""
    if tag in ("fill-mask", "feature-extraction", "sentence-similarity", "token-classification"):
        return ArchType.ENCODER
    if tag in ("text-to-image", "image-to-image"):
        return ArchType.DIFFUSION
    if tag.startswith(("image-", "object-")):
        return ArchType.VISION
    if tag in ("text-generation", "") and (model.gguf_files or config):
        return ArchType.DECODER
    return ArchType.OTHER


def tasks_for(pipeline_tag: str | None) -> list[Task]:
    """The advisor task a Hub pipeline tag names (empty when it names none advisor knows)."""
    from advisor.errors import UnknownTaskError
    from advisor.models.task import parse_task

    if not pipeline_tag:
        return []
    try:
        return [parse_task(pipeline_tag)]
    except UnknownTaskError:
        return []


def to_spec(model: HubModel, catalog: Catalog, *, tasks: list[Task] | None = None) -> ModelSpec:
    """A catalog ``ModelSpec`` for a Hub model, its source the Hub.

    ``tasks`` replaces the task read from the pipeline tag. Raises ``InvalidValueError`` when
    no task is known. The licence, languages and architecture are mapped to catalog values;
    what does not map is left out (languages) or set to ``LicenseRef-Unknown`` (licence), and
    ``notes`` says so.
    """
    from advisor.errors import InvalidValueError
    from advisor.models.catalog import ModelOrigin, ModelSpec, Origin

    chosen = tasks or tasks_for(model.pipeline_tag)
    if not chosen:
        raise InvalidValueError(
            f"the Hub gives {model.repo_id} no task advisor knows "
            f"(pipeline tag: {model.pipeline_tag or 'none'})",
            "name it with --task (e.g. --task chat)",
        )
    notes = list(model.notes)
    licence = catalog_licence(model.license, (lic.id for lic in catalog.licenses))
    if licence is None:
        notes.append(f"Hub licence {model.license or '(none)'!r} is not in licenses.toml")
        licence = UNKNOWN_LICENCE
    known_codes = {lang.code for lang in catalog.languages}
    languages = [c for c in model.languages or () if c in known_codes] or None
    dropped = [c for c in model.languages or () if c not in known_codes]
    if dropped:
        notes.append("Hub language tags not ISO 639 codes: " + ", ".join(dropped))
    if model.created is not None:
        notes.append("release_date: the day the Hub repo was created")
    from advisor.hub.scores import card_scores

    scores = card_scores(model.model_index, catalog.metric, model.card_url)
    if scores.signals or scores.skipped:
        left = (
            f", {scores.skipped} result(s) not imported (no catalog metric, or out of range)"
            if scores.skipped
            else ""
        )
        notes.append(f"quality: {len(scores.signals)} score(s) from the card's model-index{left}")
    found = arch(model)
    active = found.params_active if found.is_moe else None
    config = _toml_safe(model.config) if model.config else None
    context = found.max_position_embeddings or model.gguf_context_length
    rev = f" at {model.sha}" if model.sha else ""
    spec = ModelSpec(
        id=model_id(model.repo_id),
        hf_repo=model.repo_id,
        name=model.repo_id.rsplit("/", 1)[-1],
        family=(found.model_type or model.gguf_architecture or "unknown").lower(),
        tasks=chosen,
        architecture=found.arch_type,
        params=model.params or found.params_total,
        active_params=active,
        native_dtype=native_dtype(model),
        license=licence,
        languages=languages,
        release_date=model.created,
        context_length=context,
        gated=model.gated,
        quality=scores.signals,
        source=f"{model.url} (Hub API, config.json and safetensors headers{rev})",
        notes="; ".join(notes) or None,
        config=config if isinstance(config, dict) else None,
        origin=ModelOrigin(kind=Origin.USER, path=model.url),
    )
    lic = catalog.licence(licence)
    return spec.model_copy(update={"commercial_use": lic.commercial if lic else None})


def _toml_safe(value: Any) -> Any:
    """``value`` without None entries and private (``_``) keys: TOML has no null."""
    if isinstance(value, Mapping):
        return {
            str(k): _toml_safe(v)
            for k, v in value.items()
            if v is not None and not str(k).startswith("_")
        }
    if isinstance(value, list):
        return [_toml_safe(v) for v in value if v is not None]
    return value
