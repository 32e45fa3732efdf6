"""A cache of the loaded catalog, so advisor starts without parsing every TOML file.

The cache is one JSON file under ``advisor.paths.cache_dir()``. Its first line is a key: a hash
of the advisor version and of every input file's path, size and modification time (ns), so an
edited, added or removed file makes it stale and it is rebuilt. Writes go to a temporary file
that is renamed into place (readers never see half a file); any failure to read or write the
cache is ignored: the catalog is then simply parsed again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from advisor.__about__ import __version__
from advisor.atomic import write_atomic
from advisor.catalog.store import Catalog

CACHE_NAME = "catalog.json"
FORMAT = "1"
"""Bumped when the cached layout changes without a version change (development trees)."""


def cache_key(files: list[Path]) -> str:
    """Hash of the version and of each file's (path, mtime_ns, size); '' if one is missing."""
    import pydantic

    parts: list[object] = [FORMAT, __version__, pydantic.VERSION]
    for path in files:
        try:
            st = path.stat()
        except OSError:
            return ""
        parts.append([str(path.resolve()), st.st_mtime_ns, st.st_size])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def read(folder: Path, key: str) -> Catalog | None:
    """The cached catalog when its key matches ``key``, else ``None``."""
    if not key:
        return None
    try:
        with (folder / CACHE_NAME).open("rb") as handle:
            if handle.readline().strip().decode() != key:
                return None
            return Catalog.model_validate_json(handle.read())
    except (OSError, ValueError, ValidationError):
        return None


def write(folder: Path, key: str, catalog: Catalog) -> None:
    """Store ``catalog`` under ``key`` atomically; silently give up if the folder is not
    writable (read-only home, full disk)."""
    if not key:
        return
    write_atomic(folder / CACHE_NAME, key.encode() + b"\n" + catalog.model_dump_json().encode())
