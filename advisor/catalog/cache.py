"""A cache of the loaded catalog, so advisor starts without parsing or validating any TOML.

The cache is one JSON file under ``advisor.paths.cache_dir()``: the loaded ``Catalog`` as plain
data, read back into records without pydantic (the format, the key and the rules for trusting
the file are ``advisor.tomlcache``'s). The key covers the advisor version, all of advisor's
code, and every input file's path, size and modification time (ns), so an edited, added or
removed file makes it stale and it is rebuilt. Any failure to read or write the cache is
ignored: the catalog is then simply parsed again.
"""

from __future__ import annotations

from pathlib import Path

from advisor.catalog.store import Catalog
from advisor.tomlcache import file_key, load, store

CACHE_NAME = "catalog.json"


def cache_key(files: list[Path]) -> str:
    """The key of a catalog built from ``files``; '' if one is missing."""
    return file_key(files)


def read(folder: Path, key: str) -> Catalog | None:
    """The cached catalog when its key matches ``key`` and it reads back whole, else ``None``."""
    found: Catalog | None = load(folder / CACHE_NAME, key, Catalog)
    return found


def write(folder: Path, key: str, catalog: Catalog) -> None:
    """Store ``catalog`` under ``key`` atomically; silently give up if the folder is not
    writable (read-only home, full disk)."""
    store(folder / CACHE_NAME, key, catalog, Catalog)
