"""The one writer: every file advisor writes (exports, ``catalog add`` records, ``tui-state.json``,
caches) goes through ``write_file``, which holds these rules:

* the data goes to a new temporary file in the target's own folder, created with
  ``O_CREAT | O_EXCL | O_NOFOLLOW`` (so it can be neither an existing file nor a link planted
  under its name) and the user's umask (mode 0666, or 0777 for scripts, minus the umask), and is
  flushed to disk (``fsync``) before it takes the target's name; the folder is synced after the
  rename. A reader therefore sees the old file or the new one, never half of one, even after a
  crash, and an interrupted write leaves at most a hidden ``.NAME.*.tmp`` file, never a torn
  target;
* a target that is a symbolic link (dangling or not), a folder, a FIFO or any other non-regular
  file is refused (``UnsafePathError``, a usage error): nothing is ever written through a link,
  and the mode of no other file is changed (a replaced file is a new file; the old one is not
  touched);
* without ``overwrite`` the temporary file is hard-linked to the target's name, which fails if
  anything holds that name: of several processes writing the same new file exactly one wins,
  the others get ``FileExistsError``. Where hard links are not available, an exclusive create of
  the target decides the winner and the content is renamed over it;
* with ``overwrite`` the temporary file is renamed over the target.

``write_atomic`` is the best-effort form for caches and remembered state: it never raises and
returns whether the file was written.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from advisor.errors import InvalidValueError

_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UnsafePathError(InvalidValueError):
    """A target advisor will not write: empty, a link, a folder or another non-regular file."""


def check_target(path: Path) -> bool:
    """Whether ``path`` exists (as a regular file); ``UnsafePathError`` when advisor must not
    write there at all (an empty name, a symbolic link, a folder, a device)."""
    if not path.name or path.name in (".", ".."):
        raise UnsafePathError(f"{str(path)!r} is not a file name", "give a file name")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        where = "to nothing" if not path.exists() else f"to {os.path.realpath(path)}"
        raise UnsafePathError(
            f"{path} is a symbolic link {where}; advisor never writes through links",
            "remove the link or choose another folder",
        )
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise UnsafePathError(f"{path} is {what}", "remove it or choose another name")
    return True


def check_folder(folder: Path | str) -> Path:
    """``folder`` as a path; ``UnsafePathError`` when it is empty (``--export ''``; a ``Path``
    would read it as the working folder) or exists but is not a folder (a file, a dangling
    link)."""
    if not str(folder).strip():
        raise UnsafePathError("the folder name is empty", "give a folder, e.g. ./run")
    folder = Path(folder)
    for place in (folder, *folder.parents):  # the folder, else the first part that exists
        if not os.path.lexists(place):
            continue
        if not place.is_dir():
            if place.is_symlink():
                what = "a symbolic link to nothing"
            else:
                what = "a file, not a folder" if place.is_file() else "not a folder"
            raise UnsafePathError(f"{place} is {what}", "give a folder (it is created if missing)")
        break
    return folder


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temporary(path: Path, data: bytes, mode: int, durable: bool) -> Path:
    """A new hidden file beside ``path`` holding ``data`` (flushed to disk when ``durable``)."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(tmp, _EXCLUSIVE | _NOFOLLOW, mode)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def _claim(tmp: Path, path: Path, mode: int) -> None:
    """Give ``tmp`` the name ``path`` only if nothing holds it (``FileExistsError`` otherwise)."""
    try:
        os.link(tmp, path, follow_symlinks=False)
        return
    except FileExistsError:
        raise
    except (OSError, NotImplementedError, AttributeError):  # no hard links on this file system
        pass
    os.close(os.open(path, _EXCLUSIVE | _NOFOLLOW, mode))  # FileExistsError: someone else won
    tmp.replace(path)


def write_file(
    path: Path,
    data: bytes,
    *,
    overwrite: bool = False,
    executable: bool = False,
    durable: bool = True,
) -> None:
    """Write ``data`` to ``path`` under the rules above.

    Raises ``FileExistsError`` when ``path`` exists and ``overwrite`` is false (also when
    another process created it first), ``UnsafePathError`` for a target that must not be
    written, and ``OSError`` when the folder cannot be created or written.
    """
    if check_target(path) and not overwrite:
        raise FileExistsError(f"{path} exists")
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    mode = 0o777 if executable else 0o666  # minus the umask, applied by the system
    tmp = _temporary(path, data, mode, durable)
    try:
        if overwrite:
            check_target(path)  # a link planted meanwhile is refused, not replaced
            tmp.replace(path)
        else:
            _claim(tmp, path, mode)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    if durable:
        _sync_folder(folder)


def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> bool:
    """``write_file(path, data, overwrite=True)`` that never raises: False (nothing left
    behind) when the target is refused or the folder cannot be created or written (a read-only
    home, a full disk); callers treat that as "not cached" or "not remembered"."""
    try:
        write_file(path, data, overwrite=True, durable=durable)
    except (OSError, UnsafePathError):
        return False
    return True
