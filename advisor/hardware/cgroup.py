"""Container memory limits from cgroup v1 and v2: parsers for the files, and the lookup.

A limit is the smallest finite ``memory.max`` (v2) on the way from the process's cgroup up to
the root, or ``memory.limit_in_bytes`` / ``hierarchical_memory_limit`` (v1). ``max`` and the
huge v1 "unlimited" values (2^63 rounded to the page size, 2^64-1) mean no limit (``None``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from advisor.hardware.limits import read_small

UNLIMITED_FROM = 2**62
"""Any v1 limit at least this large is the kernel's "no limit" (PAGE_COUNTER_MAX × page size)."""


def parse_limit(text: str) -> int | None:
    """Bytes from the content of ``memory.max`` or ``memory.limit_in_bytes``; ``None`` = none."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        return None  # "max", blank, or unreadable
    limit = int(value)
    return limit if 0 < limit < UNLIMITED_FROM else None


def parse_memory_stat_limit(text: str) -> int | None:
    """``hierarchical_memory_limit`` from a v1 ``memory.stat``; ``None`` when absent/unlimited."""
    match = re.search(r"^hierarchical_memory_limit\s+(\d+)\s*$", text, flags=re.MULTILINE)
    return parse_limit(match.group(1)) if match else None


def parse_proc_cgroup(text: str) -> tuple[str | None, str | None]:
    """``(v2 path, v1 memory path)`` of a process from ``/proc/<pid>/cgroup``."""
    v2 = v1 = None
    for line in text.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            v2 = path
        elif "memory" in controllers.split(","):
            v1 = path
    return v2, v1


class MemoryLimit(NamedTuple):
    """A container's memory limit and what it already uses (for "available" under the limit)."""

    limit_bytes: int | None
    usage_bytes: int | None


def read_limit(sys_root: Path, proc_root: Path) -> MemoryLimit:
    """The memory limit of this process's cgroup; ``MemoryLimit(None, None)`` when none applies.

    ``sys_root`` holds ``sys/fs/cgroup``, ``proc_root`` holds ``proc/self/cgroup``.
    """
    base = sys_root / "sys/fs/cgroup"
    v2, v1 = parse_proc_cgroup(read_small(proc_root / "proc/self/cgroup") or "")
    if v2 is not None and (base / "cgroup.controllers").exists():
        return _v2(base, v2)
    if v1 is not None or (base / "memory").is_dir():
        return _v1(base / "memory", v1 or "/")
    return MemoryLimit(None, None)


def _v2(base: Path, path: str) -> MemoryLimit:
    limits: list[int] = []
    usage = None
    folder = base / path.lstrip("/")
    # Walk up: a service's limit applies to the containers inside it (podman quadlets).
    for current in (folder, *folder.parents):
        if current != base and base not in current.parents:
            break
        text = read_small(current / "memory.max")
        limit = parse_limit(text) if text is not None else None
        if limit is not None:
            limits.append(limit)
        if usage is None:
            usage = _int(read_small(current / "memory.current"))
    return MemoryLimit(min(limits) if limits else None, usage)


def _v1(base: Path, path: str) -> MemoryLimit:
    for folder in (base / path.lstrip("/"), base):
        limit_text = read_small(folder / "memory.limit_in_bytes")
        if limit_text is None:
            continue
        limits = [
            x
            for x in (
                parse_limit(limit_text),
                parse_memory_stat_limit(read_small(folder / "memory.stat") or ""),
            )
            if x is not None
        ]
        usage = _int(read_small(folder / "memory.usage_in_bytes"))
        return MemoryLimit(min(limits) if limits else None, usage)
    return MemoryLimit(None, None)


def _int(text: str | None) -> int | None:
    value = text.strip() if text else ""
    return int(value) if value.isascii() and value.isdigit() else None
