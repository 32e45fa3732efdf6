"""advisor's own cache of Hub answers: one JSON file per (endpoint, repo, revision).

Files live under ``advisor.paths.cache_dir()/hub``; each holds a ``HubModel`` with the time it
was fetched. An entry younger than the TTL is reused without any request; an older one is only
used when the Hub cannot be asked (offline, unreachable). Writes are atomic
(``advisor.atomic``: a temporary file renamed into place), so a crash or a parallel run never
leaves half a file; entries over ``MAX_ENTRY_BYTES`` are not written. Tokens are never part of
an entry: ``HubModel`` has no field that could hold one.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from advisor.atomic import write_atomic
from advisor.hub.types import HubModel

MAX_BYTES = 16 * 2**20
"""The largest cache entry read (an entry holds one model's info and config.json)."""


def folder() -> Path:
    """``cache_dir()/hub``."""
    from advisor.paths import cache_dir

    return cache_dir() / "hub"


def entry_path(endpoint: str, repo_id: str, revision: str | None) -> Path:
    """The file for one look-up (repo ids are case-sensitive on the Hub, so is the key)."""
    key = f"{endpoint}\n{repo_id}\n{revision or 'main'}".encode()
    safe = repo_id.replace("/", "--")
    return folder() / f"{safe}--{hashlib.sha256(key).hexdigest()[:16]}.json"


def read(
    endpoint: str, repo_id: str, revision: str | None, *, max_age_s: float | None
) -> HubModel | None:
    """The cached answer, if there is one no older than ``max_age_s`` (None: any age).

    A missing, unreadable or outdated-format file is a miss, never an error.
    """
    from advisor.safefile import UnreadableFileError, parse_json, read_bytes

    path = entry_path(endpoint, repo_id, revision)
    try:  # a regular file of the user's own, size- and depth-bounded (advisor.safefile)
        data = parse_json(path, read_bytes(path, limit=MAX_BYTES, private=True))
        model = HubModel.model_validate(data)
    except (OSError, ValueError, UnreadableFileError):  # ValidationError is a ValueError
        return None
    if model.repo_id != repo_id:
        return None
    if max_age_s is not None and time.time() - (model.fetched_at or 0.0) > max_age_s:
        return None
    return model.model_copy(update={"origin": "advisor-cache"})


MAX_ENTRY_BYTES = 8 << 20
"""Larger answers are not cached: every later look-up would read them back."""


def write(model: HubModel) -> bool:
    """Store ``model`` (best effort: a read-only home only costs the next look-up).

    An entry over ``MAX_ENTRY_BYTES`` is not written. Returns whether it was.
    """
    path = entry_path(model.endpoint, model.repo_id, model.revision)
    data = model.model_dump_json(indent=1).encode()
    if len(data) > MAX_ENTRY_BYTES:
        return False
    return write_atomic(path, data)
