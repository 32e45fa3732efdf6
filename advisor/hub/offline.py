"""A ``HubModel`` from the user's Hugging Face cache alone (for offline use).

What a snapshot can tell without the Hub: config.json and, when the weights are there, the
parameter counts from their safetensors headers (only the header bytes are read). The Hub-only
facts (licence, pipeline tag, downloads, gating) stay ``None``.
"""

from __future__ import annotations

from advisor.hub import facts, local
from advisor.hub.types import HubModel


def from_hf_cache(repo_id: str, revision: str | None, endpoint: str) -> HubModel | None:
    """The cached snapshot's facts, or None when the cache has neither config nor weights."""
    snap = local.snapshot(repo_id, revision)
    if snap is None:
        return None
    config = local.cached_config(repo_id, revision)
    files = local.local_safetensors_files(snap, repo_id)
    by_dtype: dict[str, int] | None = None
    notes: list[str] = []
    if files:
        try:
            by_dtype = facts.params_by_dtype(local.read_safetensors_header(f) for f in files)
        except (OSError, ValueError) as exc:
            notes.append(f"cached safetensors header not readable ({exc})")
    total = sum(by_dtype.values()) if by_dtype else None
    if config is None and not total:
        return None
    return HubModel(
        repo_id=repo_id,
        revision=revision,
        sha=snap.name,
        endpoint=endpoint,
        origin="hf-cache",
        config=config,
        params=total or None,
        params_source="safetensors-headers" if total else None,
        params_by_dtype=by_dtype or None,
        safetensors_files=[f.name for f in files],
        notes=notes,
    )
