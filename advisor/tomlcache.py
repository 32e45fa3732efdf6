"""A cache of what advisor builds from its data files, so a warm start parses and checks nothing.

``cached_toml(path, build)`` returns what ``build()`` returned for ``path`` the last time, as long
as neither the file nor the code that shaped the result changed; otherwise it calls ``build()``
(whose errors pass through untouched, so every caller keeps its own messages) and stores the
result. ``build`` usually parses the TOML and validates it into records (``gpus.toml`` into
``GpuSpec``, ``policy.toml`` into ``Policy``), so a warm start skips both the pure-Python TOML
parser and validation. The catalog cache (``advisor.catalog.cache``) uses the same key and file
helpers for its many files.

Each cache file lives under ``advisor.paths.cache_dir()``. Its first line is a key: a hash of
this format, the advisor version, each input file's resolved path, modification time (ns) and
size, and the same for the source files of the modules named in ``modules`` (the record classes
the result holds), so editing a class in a development tree also makes the cache stale. The rest
is a pickle. Pickle runs code on load, so only files advisor itself wrote in the user's own cache
folder are read, the same trust as advisor's code; anything unreadable (cut short, another
layout, another type) is ignored and rebuilt. Writes go to a temporary file renamed into place,
and any failure to write is ignored: the next start simply builds again.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from advisor.__about__ import __version__
from advisor.atomic import write_atomic

FORMAT = "2"
"""Bumped when the cached layout changes without a version change (development trees)."""

_T = TypeVar("_T")


def _module(name: str) -> object:
    found = sys.modules.get(name)
    if found is None:
        import importlib

        found = importlib.import_module(name)
    return found


def file_key(paths: Iterable[Path], modules: Iterable[str] = ()) -> str:
    """Hash of the format, version, and each file's (path, mtime_ns, size); '' if one is gone.

    ``modules`` are module names whose source files count as inputs too.
    """
    parts: list[object] = [FORMAT, __version__]
    sources = [Path(str(getattr(_module(name), "__file__", ""))) for name in modules]
    for path in [*paths, *sources]:
        try:
            st = path.stat()
            parts.append([str(path.resolve()), st.st_mtime_ns, st.st_size])
        except OSError:
            return ""
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def read_pickle(file: Path, key: str, kind: type[_T]) -> _T | None:
    """The object stored in ``file`` under ``key`` if it is a ``kind``; else None."""
    if not key:
        return None
    try:
        with file.open("rb") as handle:
            if handle.readline().strip().decode() != key:
                return None
            found = pickle.load(handle)
    except Exception:
        return None
    return found if isinstance(found, kind) else None


def write_pickle(file: Path, key: str, obj: object) -> None:
    """Store ``obj`` in ``file`` under ``key``; give up silently when that is not possible."""
    if not key:
        return
    try:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return
    write_atomic(file, key.encode() + b"\n" + data)


def cached_toml(
    path: Path, build: Callable[[], _T], kind: type[_T], modules: Iterable[str] = ()
) -> _T:
    """What ``build()`` makes of ``path``: from the cache when nothing changed, else built.

    ``kind`` is the type ``build`` returns (a cached object of another type is rebuilt);
    ``modules`` name the modules whose classes the result holds. Whatever ``build`` raises is
    raised here, and nothing is cached for it.
    """
    from advisor.paths import cache_dir

    key = file_key([path], modules)
    file = None
    if key:
        name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
        file = cache_dir() / f"toml-{name}.pickle"
        cached = read_pickle(file, key, kind)
        if cached is not None:
            return cached
    built = build()
    if file is not None:
        write_pickle(file, key, built)
    return built
