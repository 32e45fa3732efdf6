"""A data cache of the records advisor builds from its TOML files, so a warm start parses and
validates nothing, and no cache can run code.

``cached_toml(path, build, kind)`` returns what ``build()`` returned for ``path`` the last time,
as long as neither the file nor advisor's code changed; otherwise it calls ``build()`` (whose
errors pass through untouched, so every caller keeps its own messages) and stores the result.
``build`` usually parses the TOML and validates it into records (``gpus.toml`` into
``GpuSpec``, ``policy.toml`` and ``ranking.toml`` into their ``Policy``). The catalog cache
(``advisor.catalog.cache``) uses the same ``load``/``store`` for its many files.

Format: JSON, never pickle. A cache file (under ``advisor.paths.cache_dir()``) is two lines: a
header ``{"format", "key", "kind", "sha256"}`` and the value as plain JSON data
(``advisor.recordjson``). It is used only when all of these hold, and rebuilt otherwise:

* it is a regular file (not a link) of the user running advisor, not writable by the group or
  others, and at most ``MAX_BYTES`` (``advisor.safefile``);
* the key matches: a hash of this format, the advisor version, a fingerprint of every
  ``advisor/**/*.py`` file of the running package (relative path, size, modification time; so
  editing any module of a development tree makes every cache stale, with no list of modules to
  keep up to date) and each input file's path, device, inode, size and modification time (ns);
* the payload's SHA-256 matches the header (a garbled or cut file is caught before parsing);
* the payload has the shape of ``kind``: every record field present, of its declared type and
  within its bounds (``advisor.recordjson.decoder``; no pydantic).

Nothing in the file names code: the classes built are the ones ``kind``'s annotations name.
``store`` only writes a value that reads back equal to itself, through ``advisor.atomic``
(a temporary file created with the user's umask, then a rename; never through a link), and any
failure to read or write is ignored: the next start simply builds again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from advisor.__about__ import __version__

FORMAT = "json-1"
"""Bumped when the cached layout changes in a way the key would not notice."""

MAX_BYTES = 64 * 2**20
"""The largest cache file read (the shipped catalog's is about 0.5 MB)."""

_T = TypeVar("_T")
_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_fingerprint() -> str:
    """Hash of the format, the version and every ``.py`` file of the package (path relative to
    the package, size, mtime in ns), computed once per process (about 0.5 ms for 110 files)."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    found: list[str] = []
    root = str(_PACKAGE)
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    pending.append(entry.path)
            elif entry.name.endswith(".py"):
                st = entry.stat()
                rel = entry.path[len(root) :]  # os.path.relpath costs ~0.1 ms a file
                found.append(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}")
    for line in sorted(found):
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def file_key(paths: Iterable[Path], modules: Iterable[str] = ()) -> str:
    """The cache key for results built from ``paths``; '' when one of them is missing.

    ``modules`` is accepted for older callers and ignored: all of advisor's code counts.
    """
    del modules
    digest = hashlib.sha256(code_fingerprint().encode())
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            return ""
        where = f"{path.absolute()}\0{st.st_dev}\0{st.st_ino}"
        digest.update(f"{where}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _kind_name(kind: Any) -> str:
    if isinstance(kind, type):
        return f"{kind.__module__}.{kind.__qualname__}"
    return repr(kind)  # tuple[advisor.models.hardware.GpuSpec, ...]


def load(file: Path, key: str, kind: Any) -> Any | None:
    """The value stored in ``file`` under ``key`` if it passes every check above; else None."""
    if not key:
        return None
    from advisor.recordjson import decoder
    from advisor.safefile import read_bytes

    try:
        raw = read_bytes(file, limit=MAX_BYTES, private=True)
        head, _, payload = raw.partition(b"\n")
        header = json.loads(head)
        if (
            type(header) is not dict
            or header.get("format") != FORMAT
            or header.get("key") != key
            or header.get("kind") != _kind_name(kind)
            or header.get("sha256") != hashlib.sha256(payload).hexdigest()
        ):
            return None
        return decoder(kind)(json.loads(payload))
    except Exception:  # any failure (I/O, refused file, shape, decoding) means: build again
        return None


def store(file: Path, key: str, value: object, kind: Any) -> bool:
    """Store ``value`` in ``file`` under ``key``; False (nothing written) when it cannot be
    stored or would not read back equal to itself."""
    if not key:
        return False
    from advisor.atomic import write_atomic
    from advisor.recordjson import decoder, to_json

    try:
        payload = to_json(value).encode("utf-8")
        if decoder(kind)(json.loads(payload)) != value:
            return False
    except Exception:  # a value JSON cannot hold exactly is simply not cached
        return False
    header = {
        "format": FORMAT,
        "key": key,
        "kind": _kind_name(kind),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    return write_atomic(file, json.dumps(header).encode() + b"\n" + payload)


def cached_toml(path: Path, build: Callable[[], _T], kind: Any, modules: Iterable[str] = ()) -> _T:
    """What ``build()`` makes of ``path``: from the cache when nothing changed, else built.

    ``kind`` is the type ``build`` returns, as an annotation (``Policy``,
    ``tuple[GpuSpec, ...]``); ``modules`` is ignored (see ``file_key``). Whatever ``build``
    raises is raised here, and nothing is cached for it.
    """
    from advisor.paths import cache_dir

    key = file_key([path])
    file = None
    if key:
        name = hashlib.sha256(str(path.absolute()).encode()).hexdigest()[:16]
        file = cache_dir() / f"toml-{name}.json"
        cached = load(file, key, kind)
        if cached is not None:
            result: _T = cached
            return result
    built = build()
    if file is not None:
        store(file, key, built, kind)
    return built
