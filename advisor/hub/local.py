"""The user's Hugging Face cache, read from its folder layout (no huggingface_hub import).

huggingface_hub documents the layout
(https://huggingface.co/docs/huggingface_hub/guides/manage-cache):
``HF_HUB_CACHE/models--ORG--NAME/`` holds ``blobs/`` (the file contents), ``refs/BRANCH``
(a text file with a commit hash) and
``snapshots/COMMIT/`` (the repo's files at that commit, as links into ``blobs/``). Reading the
folders directly keeps ``local_models()`` cheap enough to call on every ``recommend``.

The cache is the user's (or another tool's) folder, so every file in it is read through
``advisor.safefile``: regular files only (a FIFO or device named ``config.json`` or
``refs/main`` is refused before it is opened, never waited on), size-capped, UTF-8 and
depth-limited. A refs file it refuses counts as absent (``recommend`` scans the whole cache and
must not fail on one odd repo); a config.json or index it refuses is a ``CachedFileError``
naming the repo, the file and the fix.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path
from typing import Any

from advisor.errors import HubError
from advisor.hub import env
from advisor.hub.types import LocalModel

WEIGHT_SUFFIXES = (
    ".safetensors", ".bin", ".gguf", ".pt", ".pth", ".ckpt", ".onnx", ".h5", ".msgpack",
)  # fmt: skip
"""File types that hold weights (PyTorch, safetensors, GGUF, ONNX, Keras, Flax)."""

MAX_HEADER_BYTES = 25_000_000
"""Largest safetensors header accepted (huggingface_hub's SAFETENSORS_MAX_HEADER_LENGTH)."""

MAX_REF_BYTES = 1024
"""Largest refs file read (it holds one 40-character commit hash)."""
MAX_CONFIG_BYTES = 8 * 2**20
"""Largest cached config.json or safetensors index read (real ones are some hundred kB)."""


class CachedFileError(HubError):
    """A file in the user's Hugging Face cache that advisor will not read (a FIFO, a device,
    too big, binary or nested too deeply)."""

    def __init__(self, repo_id: str, name: str, path: Path, why: str) -> None:
        super().__init__(
            f"{name} of {repo_id} in your Hugging Face cache {why}: {path}",
            "delete that file (huggingface_hub downloads it again), or pass a config.json path",
        )


def _read_cached(repo_id: str, path: Path) -> Any:
    """The JSON document at ``path`` in a snapshot; None when it is missing or not JSON,
    ``CachedFileError`` when ``advisor.safefile`` refuses it."""
    from advisor.safefile import UnreadableFileError, load_json

    try:
        return load_json(path, limit=MAX_CONFIG_BYTES)
    except UnreadableFileError as exc:
        raise CachedFileError(repo_id, path.name, path, exc.why) from None
    except (OSError, ValueError):
        return None


def repo_folder(repo_id: str, cache: Path | None = None) -> Path:
    """Where the cache keeps a model repo: ``models--ORG--NAME``."""
    root = env.hf_hub_cache() if cache is None else cache
    return root / ("models--" + repo_id.replace("/", "--"))


def _repo_id(folder_name: str) -> str | None:
    if not folder_name.startswith("models--"):
        return None
    return folder_name.removeprefix("models--").replace("--", "/") or None


def snapshot(repo_id: str, revision: str | None = None, cache: Path | None = None) -> Path | None:
    """The cached snapshot folder of ``repo_id`` at ``revision`` (a branch, tag or commit).

    Without a revision: the commit ``refs/main`` names, else the newest snapshot. None when the
    cache has no such snapshot.
    """
    folder = repo_folder(repo_id, cache)
    snapshots = folder / "snapshots"
    if not snapshots.is_dir():
        return None
    name = revision or "main"
    ref = folder / "refs" / name
    commit: str | None = None
    if ref.exists():
        from advisor.safefile import UnreadableFileError, read_text

        try:  # a FIFO, device, huge or binary refs file counts as absent
            commit = read_text(ref, limit=MAX_REF_BYTES).strip()
        except (OSError, UnreadableFileError):
            commit = None
    elif revision is not None:
        commit = revision
    if commit and (snapshots / commit).is_dir():
        return snapshots / commit
    if revision is not None:
        return None
    candidates = [p for p in snapshots.iterdir() if p.is_dir()]
    return max(candidates, key=lambda p: p.stat().st_mtime, default=None)


def _blob_bytes(folder: Path) -> int:
    total = 0
    try:
        with os.scandir(folder / "blobs") as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and not entry.name.endswith(".incomplete"):
                    total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        return total
    return total


def _has_weights(snap: Path) -> bool:
    for _root, _dirs, files in os.walk(snap):
        if any(f.endswith(WEIGHT_SUFFIXES) for f in files):
            return True
    return False


def local_models(*, weights_only: bool = True, cache: Path | None = None) -> dict[str, LocalModel]:
    """Model repos in the user's Hugging Face cache, keyed by repo id.

    ``weights_only`` (the default) leaves out repos whose snapshot holds only small files
    (configs, tokenizers): those are not "downloaded" in the sense a user means. Never raises;
    a missing or unreadable cache gives ``{}``.
    """
    root = env.hf_hub_cache() if cache is None else cache
    found: dict[str, LocalModel] = {}
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return found
    for folder in folders:
        repo_id = _repo_id(folder.name)
        if repo_id is None:
            continue
        snap = snapshot(repo_id, cache=root)
        if snap is None:
            continue
        weights = _has_weights(snap)
        if weights_only and not weights:
            continue
        found[repo_id] = LocalModel(
            repo_id=repo_id,
            size_bytes=_blob_bytes(folder),
            revision=snap.name,
            path=str(snap),
            has_weights=weights,
        )
    return found


def cached_config(repo_id: str, revision: str | None = None) -> dict[str, Any] | None:
    """The config.json of ``repo_id`` from the user's HF cache, or None when it is not there.

    A file that is not a JSON object counts as absent (the Hub answer is then needed); one
    that is not a regular file, too big, binary or too deep is a ``CachedFileError``.
    """
    snap = snapshot(repo_id, revision)
    if snap is None or not (snap / "config.json").exists():
        return None
    data = _read_cached(repo_id, snap / "config.json")
    return data if isinstance(data, dict) else None


def read_safetensors_header(path: Path) -> dict[str, Any]:
    """The JSON header of a local safetensors file, reading only the header bytes.

    Format (https://huggingface.co/docs/safetensors/index#format): an 8-byte little-endian
    header length N, then N bytes of JSON. Raises ValueError when the file is not one.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:  # non-blocking: a FIFO swapped in is refused, not waited on
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        prefix = f.read(8)
        if len(prefix) < 8:
            raise ValueError(f"{path.name} is too short for a safetensors file")
        (size,) = struct.unpack("<Q", prefix)
        if size > MAX_HEADER_BYTES:
            raise ValueError(f"{path.name}: safetensors header of {size} bytes is too large")
        raw = f.read(size)
    if len(raw) < size:
        raise ValueError(f"{path.name}: safetensors header is cut short")
    from advisor.safefile import UnreadableFileError, parse_json

    try:
        data = parse_json(path, raw)
    except UnreadableFileError as exc:
        raise ValueError(f"{path.name}: safetensors header {exc.why}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: safetensors header is not a JSON object")
    return data


def local_safetensors_files(snap: Path, repo_id: str = "the model") -> list[Path]:
    """The snapshot's root weight files: ``model.safetensors`` or the shards its index names
    (``CachedFileError`` when ``advisor.safefile`` refuses the index)."""
    single = snap / "model.safetensors"
    if single.is_file():
        return [single]
    index = snap / "model.safetensors.index.json"
    if not index.exists():
        return []
    data = _read_cached(repo_id, index)
    try:
        names = sorted(set(data["weight_map"].values()))
    except (KeyError, TypeError, AttributeError):
        return []
    files = [snap / str(n) for n in names]
    return files if all(f.is_file() for f in files) else []
