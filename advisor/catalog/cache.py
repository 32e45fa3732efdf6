"""A cache of the loaded catalog, so advisor starts without parsing or validating any TOML.

The cache is one file under ``advisor.paths.cache_dir()``: a key line, then the loaded
``Catalog`` pickled (the helpers and the trust rule are ``advisor.tomlcache``'s). The key hashes
the advisor version and every input file's path, size and modification time (ns), and the
source files of the record classes it holds, so an edited, added or removed file makes it stale
and it is rebuilt. Any failure to read or write the cache is ignored: the catalog is then simply
parsed again.
"""

from __future__ import annotations

from pathlib import Path

from advisor.catalog.store import Catalog
from advisor.tomlcache import file_key, read_pickle, write_pickle

CACHE_NAME = "catalog.pickle"
RECORD_MODULES = ("advisor.models.base", "advisor.models.catalog", "advisor.catalog.store")
"""Modules whose classes a cached catalog holds."""


def cache_key(files: list[Path]) -> str:
    """Hash of the version and of each file's (path, mtime_ns, size); '' if one is missing."""
    return file_key(files, RECORD_MODULES)


def read(folder: Path, key: str) -> Catalog | None:
    """The cached catalog when its key matches ``key``, else ``None``."""
    return read_pickle(folder / CACHE_NAME, key, Catalog)


def write(folder: Path, key: str, catalog: Catalog) -> None:
    """Store ``catalog`` under ``key`` atomically; silently give up if the folder is not
    writable (read-only home, full disk)."""
    write_pickle(folder / CACHE_NAME, key, catalog)
