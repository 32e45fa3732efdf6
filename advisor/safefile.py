"""Reading files with limits: the one place where advisor opens a file it reads.

Every file advisor reads (catalog TOML, the user overlay, a ``config.json`` given as a path,
``tui-state.json``, its own caches) comes through ``read_bytes`` and the parsers built on it,
which hold these rules:

* only regular files are read: a FIFO, a device such as ``/dev/zero``, a folder or a socket is
  refused with one line before anything is read from it (the file is checked with ``stat``
  before it is opened, and again on the open descriptor, which is opened non-blocking so that a
  FIFO swapped in between cannot hang the run);
* at most ``limit`` bytes (``MAX_BYTES``, 8 MiB, unless the caller says otherwise): a bigger
  file is refused, never read whole into memory;
* text must be UTF-8; a binary file is reported with its path and the offset of the first byte
  that is not;
* JSON and TOML documents may nest at most ``MAX_DEPTH`` (64) levels; deeper ones are refused
  with one line instead of exhausting the parser's recursion;
* ``private=True`` (advisor's caches): the file must not be a symbolic link, must belong to the
  user running advisor and must not be writable by the group or others, so nobody else can plant
  data advisor then trusts.

Every refusal is an ``UnreadableFileError`` naming the file and what is wrong; syntax errors
keep the parser's own exception (``json.JSONDecodeError``, ``tomllib.TOMLDecodeError``) so each
caller words its message as before.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError

MAX_BYTES = 8 * 2**20
"""Default size limit of a file advisor reads (the largest shipped catalog file is ~40 kB, the
largest real config.json files some hundred kB)."""

MAX_DEPTH = 64
"""How deeply a JSON or TOML document may nest (real files nest fewer than 10 levels)."""

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFileError(AdvisorError):
    """A file advisor will not read: not a regular file, too big, not UTF-8, nested too deeply,
    or (for caches) not the user's own. ``why`` is the reason without the path."""

    def __init__(self, path: Path, why: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: {why}", hint)
        self.path = path
        self.why = why


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: Path, *, limit: int = MAX_BYTES, private: bool = False) -> bytes:
    """The content of ``path``; ``UnreadableFileError`` for a file the rules above refuse and
    ``OSError`` when it cannot be opened at all (missing, no permission)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if private:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    else:
        before = path.stat().st_mode
        kind = _kind(before)
        if kind is not None:
            raise UnreadableFileError(path, f"is {kind}, not a regular file", "pass a file")
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if private and path.is_symlink():
            raise UnreadableFileError(path, "is a symbolic link") from None
        raise exc from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind is not None:
            raise UnreadableFileError(path, f"is {kind}, not a regular file", "pass a file")
        if private and hasattr(os, "geteuid"):
            if info.st_uid != os.geteuid():
                raise UnreadableFileError(path, "belongs to another user")
            if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                raise UnreadableFileError(path, "is writable by other users")
        if info.st_size > limit:
            size, most = _size(info.st_size), _size(limit)
            raise UnreadableFileError(path, f"is {size}, over the {most} limit")
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew while being read
        raise UnreadableFileError(path, f"is over the {_size(limit)} limit")
    return data


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


def decode_text(path: Path, data: bytes) -> str:
    """``data`` as UTF-8 text; ``UnreadableFileError`` naming the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = f"byte {exc.start} is 0x{data[exc.start]:02x}"
        raise UnreadableFileError(
            path, f"is not UTF-8 text ({bad}); is it a binary file?", "pass a text file"
        ) from None


def read_text(path: Path, *, limit: int = MAX_BYTES) -> str:
    """``read_bytes`` decoded as UTF-8."""
    return decode_text(path, read_bytes(path, limit=limit))


def check_depth(path: Path, data: Any, max_depth: int = MAX_DEPTH) -> Any:
    """``data`` itself when no list or mapping in it nests deeper than ``max_depth``."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise _too_deep(path, max_depth)
        stack.extend((child, depth + 1) for child in children)
    return data


def _too_deep(path: Path, max_depth: int) -> UnreadableFileError:
    return UnreadableFileError(
        path, f"nests deeper than {max_depth} levels", "a real file nests a few levels at most"
    )


def parse_json(path: Path, text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """JSON ``text`` read from ``path``, depth-checked; ``json.JSONDecodeError`` on bad syntax."""
    import json

    try:
        data = json.loads(text)
    except RecursionError:
        raise _too_deep(path, max_depth) from None
    return check_depth(path, data, max_depth)


def load_json(path: Path, *, limit: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON document in ``path`` (read and parsed under the rules above)."""
    return parse_json(path, read_text(path, limit=limit), max_depth=max_depth)


def load_toml(path: Path, *, limit: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The TOML document in ``path``; ``tomllib.TOMLDecodeError`` on bad syntax."""
    import tomllib  # on cache misses only: a warm start parses no TOML

    text = read_text(path, limit=limit)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise _too_deep(path, max_depth) from None
    result: dict[str, Any] = check_depth(path, data, max_depth)
    return result
