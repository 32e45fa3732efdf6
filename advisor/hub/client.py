"""Asking the Hub: model info, config.json and safetensors headers.

This is the only module (with ``bounded``, which it calls) that imports huggingface_hub, and
only inside its functions: commands that need no Hub never load it. Every request goes through
``advisor.hub.bounded``: huggingface_hub's session and headers, advisor's byte caps, deadline
and single retry. The answers are parsed into huggingface_hub's own ``ModelInfo``.

Weights are never downloaded: a safetensors file is read through HTTP Range requests for its
header only (the first 100 kB, then the rest of the header if it is longer). A sharded
checkpoint is read through its index, for at most ``MAX_SHARDS`` shards; beyond that the
Hub's own parameter count (model info) stands in, with a note.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import quote

from advisor.hub import bounded, env, facts
from advisor.hub.bounded import Context
from advisor.hub.deadline import Deadline, budget
from advisor.hub.errors import HubOffline, MalformedConfig
from advisor.hub.types import HubModel

_T = TypeVar("_T")

MAX_SHARD_WORKERS = 8
"""Shard headers read in parallel (huggingface_hub's get_safetensors_metadata also uses threads)."""
MAX_SHARDS = 256
"""Shards whose headers are read: Llama 3.1 405B has 191, DeepSeek-V3 163; an index naming more
is not read shard by shard (thousands of requests for one look-up)."""
SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"


def context(
    repo_id: str, revision: str | None, token: str | bool | None, deadline: Deadline
) -> Context:
    """A request context for ``repo_id`` with the user's token (``None``: standard places)."""
    found: str | bool | None = env.token() if token is None else token
    return Context(repo_id, revision, env.endpoint(), found or False, deadline)


def fetch(repo_id: str, *, revision: str | None, token: str | bool | None) -> HubModel:
    """Read ``repo_id``'s facts from the Hub now (no cache). Raises ``HubError`` subclasses.

    ``token``: a token string, ``False`` for anonymous access, ``None`` for the standard
    locations (``advisor.hub.env.token``). Bounded by the open deadline (or a new one).
    """
    env.check()
    if env.offline():
        raise HubOffline(repo_id)
    with budget() as deadline:
        return _fetch(context(repo_id, revision, token, deadline))


def model_info(ctx: Context) -> Any:
    """huggingface_hub's ``ModelInfo`` of the repo, with file sizes (``?blobs=true``)."""
    from huggingface_hub.hf_api import ModelInfo

    url = f"{ctx.endpoint}/api/models/{ctx.repo_id}"
    if ctx.revision is not None:
        url += f"/revision/{quote(ctx.revision, safe='')}"
    data = bounded.read_json(
        ctx, url, what="the model info", cap=bounded.INFO_MAX_BYTES, params={"blobs": True}
    )
    _check_info(ctx, data)
    card = data.get("cardData")
    if isinstance(card, dict) and "model-index" in card:
        # read raw by ``card_model_index``; huggingface_hub's own parse of it is lossy and
        # logs a warning for every malformed index
        data = {**data, "cardData": {k: v for k, v in card.items() if k != "model-index"},
                "model-index": data.get("model-index") or card["model-index"]}  # fmt: skip
    try:
        return ModelInfo(**data)  # type: ignore[no-untyped-call]  # untyped in huggingface_hub
    except (TypeError, ValueError, KeyError, AttributeError):
        raise MalformedConfig(ctx.repo_id, "the Hub's model info is not readable") from None


_INFO_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str, "modelId": str, "sha": str, "pipeline_tag": str, "library_name": str,
    "createdAt": str, "downloads": int, "gated": (str, bool), "tags": list, "siblings": list,
    "cardData": dict, "gguf": dict, "safetensors": dict,
}  # fmt: skip
"""The model-info fields advisor reads, with the JSON types the Hub gives them."""


def _check_info(ctx: Context, data: dict[str, Any]) -> None:
    """``MalformedConfig`` naming the first field of the model info with an unexpected type."""
    for key, kind in _INFO_TYPES.items():
        value = data.get(key)
        if value is not None and not isinstance(value, kind):
            raise MalformedConfig(ctx.repo_id, f"the Hub's model info has a malformed {key!r}")
    if not all(isinstance(t, str) for t in data.get("tags") or []) or not all(
        isinstance(s, dict) and isinstance(s.get("rfilename"), str)
        for s in data.get("siblings") or []
    ):
        raise MalformedConfig(ctx.repo_id, "the Hub's model info lists malformed tags or files")


def _fetch(ctx: Context) -> HubModel:
    info = model_info(ctx)
    siblings = [(s.rfilename, s.size) for s in info.siblings or []]
    names = {name for name, _ in siblings}
    pinned = info.sha or ctx.revision  # read every file at the commit the info describes
    notes: list[str] = []

    config = _json_file(ctx, "config.json", pinned) if "config.json" in names else None
    params, by_dtype, files = _safetensors(ctx, names, pinned, notes)
    source: Any = "safetensors-headers" if params is not None else None
    gguf: Mapping[str, Any] = info.gguf if isinstance(info.gguf, Mapping) else {}
    if params is None and isinstance(gguf.get("total"), int):
        params, source = gguf["total"], "gguf-metadata"
    if params is None and info.safetensors is not None and info.safetensors.total > 0:
        params, source = info.safetensors.total, "hub-api"
        by_dtype = dict(info.safetensors.parameters)
    card: dict[str, Any] = info.card_data.to_dict() if info.card_data is not None else {}
    licence = card.get("license")
    if licence == "other" and card.get("license_name"):
        licence = card["license_name"]
    base = card.get("base_model")
    return HubModel(
        repo_id=info.id or ctx.repo_id,
        revision=ctx.revision,
        sha=info.sha,
        endpoint=ctx.endpoint,
        origin="hub",
        fetched_at=time.time(),
        pipeline_tag=info.pipeline_tag,
        license=licence if isinstance(licence, str) else None,
        languages=facts.card_languages(card.get("language")),
        gated=None if info.gated is None else bool(info.gated),
        downloads=info.downloads,
        library_name=info.library_name,
        tags=[t for t in info.tags or [] if isinstance(t, str)],
        base_models=[b for b in ([base] if isinstance(base, str) else base) if isinstance(b, str)]
        if isinstance(base, (str, list))
        else [],
        created=info.created_at.date() if info.created_at else None,
        config=config,
        params=params,
        params_source=source,
        params_by_dtype=by_dtype,
        safetensors_files=files,
        gguf_files=facts.gguf_files(siblings),
        gguf_architecture=_typed(gguf, "architecture", str),
        gguf_context_length=_typed(gguf, "context_length", int),
        model_index=card_model_index(info.model_index),
        notes=notes,
    )


def card_model_index(value: Any) -> list[dict[str, Any]] | None:
    """The card's model-index entries that are objects (the Hub gives it top-level as
    ``model-index``, or inside ``cardData``), or None."""
    if not isinstance(value, list):
        return None
    return [dict(entry) for entry in value if isinstance(entry, Mapping)] or None


def _typed(data: Mapping[str, Any], key: str, kind: type[_T]) -> _T | None:
    value = data.get(key)
    return value if isinstance(value, kind) else None


def _url(ctx: Context, filename: str, revision: str | None) -> str:
    from huggingface_hub import hf_hub_url

    return hf_hub_url(ctx.repo_id, filename, revision=revision, endpoint=ctx.endpoint)


def _json_file(ctx: Context, filename: str, revision: str | None) -> dict[str, Any]:
    cap = bounded.INDEX_MAX_BYTES if filename == INDEX_FILE else bounded.CONFIG_MAX_BYTES
    return bounded.read_json(ctx, _url(ctx, filename, revision), what=filename, cap=cap)


def _safetensors(
    ctx: Context, names: set[str], revision: str | None, notes: list[str]
) -> tuple[int | None, dict[str, int] | None, list[str]]:
    """(total, per dtype, files) from the root checkpoint's headers; Nones without one."""
    if SINGLE_FILE in names:
        files = [SINGLE_FILE]
    elif INDEX_FILE in names:
        index = _json_file(ctx, INDEX_FILE, revision)
        weight_map = index.get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map:
            raise MalformedConfig(ctx.repo_id, f"{INDEX_FILE} has no weight_map")
        files = sorted({str(v) for v in weight_map.values()})
        if len(files) > MAX_SHARDS:
            notes.append(
                f"{INDEX_FILE} names {len(files):,} shards (more than {MAX_SHARDS} are not "
                "read one by one)"
            )
            return None, None, files
    else:
        return None, None, []

    def header(filename: str) -> dict[str, Any]:
        return bounded.safetensors_header(ctx, _url(ctx, filename, revision), filename)

    with ThreadPoolExecutor(max_workers=min(MAX_SHARD_WORKERS, len(files))) as pool:
        headers = list(pool.map(header, files))
    try:
        by_dtype = facts.params_by_dtype(headers)
    except ValueError as exc:
        raise MalformedConfig(ctx.repo_id, f"safetensors header: {exc}") from None
    total = sum(by_dtype.values())
    return (total or None), (by_dtype or None), files
