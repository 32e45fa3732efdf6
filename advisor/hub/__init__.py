"""Hugging Face Hub integration: a model's facts from the Hub, advisor's cache, or the HF cache.

``hub_model(repo_id)`` answers in this order: advisor's cache when the entry is younger than
its TTL (no request at all); the Hub; and, when the Hub cannot be asked (``HF_HUB_OFFLINE=1``,
no network, a 5xx or 429 answer), a stale cache entry or the user's Hugging Face cache
(config.json and local safetensors headers). Failures that are about the model (gated, not
found, no such revision, broken config) are never hidden by a cache.

Every request is bounded (``advisor.hub.bounded``): byte caps per file, one deadline per
command (``budget``; ``ADVISOR_HUB_DEADLINE``, default 30 s), one retry.

``local_models()`` lists what the user's HF cache holds (cheap; no huggingface_hub import).
Importing this package never imports huggingface_hub.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.hub import cache, env
from advisor.hub.deadline import budget
from advisor.hub.errors import HubOffline, HubServerError, RateLimited
from advisor.hub.local import cached_config, local_models
from advisor.hub.types import GgufFile, HubModel, LocalModel

__all__ = [
    "GgufFile",
    "HubModel",
    "LocalModel",
    "budget",
    "cached_config",
    "hub_arch",
    "hub_model",
    "local_models",
]

if TYPE_CHECKING:
    from advisor.models.arch import ModelArch

_TRANSIENT = (HubOffline, HubServerError, RateLimited)
"""Failures of the connection, not of the model: a cached answer may stand in."""


def hub_model(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | bool | None = None,
    use_cache: bool = True,
) -> HubModel:
    """The facts of ``repo_id`` at ``revision`` (default: main).

    ``token``: a token, ``False`` for anonymous, ``None`` for the standard locations.
    ``use_cache=False`` asks the Hub even when advisor's cache has a fresh answer. Raises an
    ``advisor.hub.errors`` class (all ``HubError``) when no source has the answer.
    """
    env.check()
    endpoint = env.endpoint()
    if use_cache:
        fresh = cache.read(endpoint, repo_id, revision, max_age_s=env.ttl_s())
        if fresh is not None:
            return fresh
    if env.offline():
        fallback = _fallback(repo_id, revision, endpoint, "offline mode is on")
        if fallback is None:
            raise HubOffline(repo_id)
        return fallback
    from advisor.hub import client
    from advisor.hub.spinner import waiting

    try:
        with waiting(f"reading {repo_id} from the Hub"):
            model = client.fetch(repo_id, revision=revision, token=token)
    except _TRANSIENT as exc:
        fallback = _fallback(repo_id, revision, endpoint, exc.message)
        if fallback is None:
            raise
        return fallback
    cache.write(model)
    return model


def hub_arch(
    repo_id: str, *, revision: str | None = None, prefer_local: bool = True
) -> tuple[ModelArch, HubModel]:
    """The estimators' view of a Hub model, and the facts it came from.

    With ``prefer_local`` (the default), a model already in the user's Hugging Face cache is
    read from there, without the network: that snapshot is the one the user would run. Else
    as ``hub_model``. From config.json when the estimators read it, else from the counted
    parameters (see ``advisor.hub.facts.arch``). Raises ``HubError`` subclasses.
    """
    from advisor.hub.facts import arch
    from advisor.hub.offline import from_hf_cache

    env.check()
    local = from_hf_cache(repo_id, revision, env.endpoint()) if prefer_local else None
    model = local if local is not None and local.config else hub_model(repo_id, revision=revision)
    found = arch(model)
    where = {
        "hub": "the Hugging Face Hub",
        "advisor-cache": "advisor's cache of the Hugging Face Hub",
        "hf-cache": "your Hugging Face cache",
    }[model.origin]
    extra = [f"facts from {where}: {model.url}" + (f" at {model.sha}" if model.sha else "")]
    return found.model_copy(update={"notes": (*found.notes, *extra, *model.notes)}), model


def _fallback(repo_id: str, revision: str | None, endpoint: str, why: str) -> HubModel | None:
    """A stale advisor-cache entry, else the user's HF cache, noted as such; or None."""
    from advisor.hub.offline import from_hf_cache

    stale = cache.read(endpoint, repo_id, revision, max_age_s=None)
    model = stale or from_hf_cache(repo_id, revision, endpoint)
    if model is None:
        return None
    where = "advisor's cache" if stale is not None else "the Hugging Face cache"
    return model.model_copy(update={"notes": [*model.notes, f"{why}: facts from {where}"]})
