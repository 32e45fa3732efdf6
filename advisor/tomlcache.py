"""A cache of parsed TOML files, so a warm start does not run the pure-Python TOML parser.

``cached_toml(path, parse)`` returns what ``parse()`` returned for ``path`` the last time, as long
as the file is unchanged; otherwise it calls ``parse()`` (whose errors pass through untouched, so
every caller keeps its own messages) and stores the result. Each file has its own cache file
under ``advisor.paths.cache_dir()``; its first line is a key, a hash of the advisor version and
of the file's resolved path, modification time (ns) and size, the same rule as the catalog cache
(``advisor.catalog.cache``). Writes go to a temporary file renamed into place, and any failure to
read or write the cache is ignored. Only data that survives a JSON round trip unchanged is stored
(TOML dates and NaN are not), so a cached answer always equals a fresh parse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor.__about__ import __version__
from advisor.atomic import write_atomic

FORMAT = "1"
"""Bumped when the cached layout changes without a version change (development trees)."""


def _names(path: Path) -> tuple[Path, str] | None:
    """The cache file for ``path`` and the key its content must carry; None if ``path`` is gone."""
    from advisor.paths import cache_dir

    try:
        resolved = str(path.resolve())
        st = path.stat()
    except OSError:
        return None
    parts = [FORMAT, __version__, resolved, st.st_mtime_ns, st.st_size]
    key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    name = hashlib.sha256(resolved.encode()).hexdigest()[:16]
    return cache_dir() / f"toml-{name}.json", key


def _read(file: Path, key: str) -> dict[str, Any] | None:
    try:
        with file.open("rb") as handle:
            if handle.readline().strip().decode() != key:
                return None
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(file: Path, key: str, data: dict[str, Any]) -> None:
    try:
        text = json.dumps(data, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError):
        return  # dates, times or NaN: not stored, parsed every time instead
    write_atomic(file, key.encode() + b"\n" + text.encode())


def cached_toml(path: Path, parse: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The parsed TOML of ``path``: from the cache when the file is unchanged, else ``parse()``.

    ``parse`` reads and parses ``path`` the caller's way; whatever it raises is raised here.
    """
    names = _names(path)
    if names is not None:
        cached = _read(*names)
        if cached is not None:
            return cached
    data = parse()
    if names is not None:
        _write(names[0], names[1], data)
    return data
