"""What a probe may report: bounds on counts and sizes, and clean text.

Tools are trusted to describe the machine, not to be well formed: a wedged driver, a wrapper
script or a hostile ``nvidia-smi`` on PATH can print anything. Before a probe's findings become
records, ``screen_devices`` drops devices with impossible facts (more memory used than the device
has, more free than its total, sizes beyond any accelerator, implausible indices) and refuses a
device list longer than any one machine holds; each refusal is a ``ProbeError``, never a record
or a crash. ``printable`` strips control, escape and bidirectional-override characters from
every string a tool printed before it is stored or shown.

The bounds below (and ``MAX_DEVICE_MEMORY_BYTES``, ``MAX_RAM_BYTES`` in advisor.models.hardware,
shared with the what-if flags) are sanity limits set far above real hardware, not facts about
any product.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import replace
from pathlib import Path

from advisor.hardware.devices import Device
from advisor.models.hardware import MAX_DEVICE_MEMORY_BYTES, ProbeError

MAX_DEVICES = 256
"""Devices one probe may list. The most one host exposes today is 64: 8 MI300X each split into
8 compute partitions (CPX mode), or 8 H100 with 7 MIG slices (56)."""

MAX_CPUS = 8192
"""Logical CPUs: Linux's largest ``NR_CPUS`` setting on x86-64 (``MAXSMP``, arch/x86/Kconfig)."""

MAX_INDEX = 65_535
"""A device index above this is not one a driver hands out."""

MAX_GPU_CORES = 4096
"""Apple GPU cores: the M3 Ultra has 80; anything in the thousands is garbage."""

MAX_TEXT = 128
"""Characters kept of a name, UUID or version a tool printed (longer ones end in '…')."""

MAX_MESSAGE = 400
"""Characters kept of a probe error message."""

_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
"""Control (ESC, NUL, newlines), format (bidi overrides, zero-width), surrogate, private-use
and unassigned characters, and line/paragraph separators: none belongs in a device name."""

MAX_FILE_BYTES = 32 * 1024**2
"""What is read of one /proc, /sys or cgroup file: ``/proc/cpuinfo`` of an 8192-CPU machine is
about 12 MB; other files hold one number or a few lines."""


def read_small(path: Path, limit: int = MAX_FILE_BYTES) -> str | None:
    """The text of a regular file, at most ``limit`` bytes of it; ``None`` when it cannot be
    read or is not a regular file (a FIFO would block, ``/dev/zero`` never ends)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb") as file:
            fd = -1
            data = file.read(limit)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    return data.decode("utf-8", errors="replace")


def printable(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` without control, format or separator characters, spaces collapsed, at most
    ``limit`` characters (the last one '…' when cut)."""
    kept = "".join(
        " " if unicodedata.category(ch) in _DROPPED_CATEGORIES else ch for ch in text[: limit * 4]
    )
    cleaned = " ".join(kept.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def printable_or_none(text: str | None) -> str | None:
    """``printable(text)``, ``None`` when nothing printable is left."""
    if text is None:
        return None
    return printable(text) or None


def clean_error(error: ProbeError) -> ProbeError:
    """A probe error whose probe name and message are printable."""
    probe, message = printable(error.probe, 64) or "?", printable(error.message, MAX_MESSAGE)
    if (probe, message) == (error.probe, error.message):
        return error
    return ProbeError(probe=probe, message=message or "no message")


def screen_devices(devices: list[Device], probe: str) -> tuple[list[Device], list[ProbeError]]:
    """The devices whose facts are possible, with printable text; an error for each one left out.

    More than ``MAX_DEVICES`` devices means the tool's output is garbage: none is kept.
    """
    if len(devices) > MAX_DEVICES:
        message = f"listed {len(devices)} devices (more than {MAX_DEVICES}); output ignored"
        return [], [ProbeError(probe=probe, message=message)]
    kept: list[Device] = []
    errors: list[ProbeError] = []
    for device in devices:
        cleaned = _clean(device)
        problem = device_problem(cleaned)
        if problem is None:
            kept.append(cleaned)
            continue
        label = f"GPU {cleaned.index}" if cleaned.index is not None else "a GPU"
        errors.append(
            ProbeError(
                probe=printable(cleaned.source, 64) or probe,
                message=f"{label} ({cleaned.name}) {problem}; left out",
            )
        )
    return kept, errors


def device_problem(device: Device) -> str | None:
    """Why ``device`` cannot be real, or ``None`` when its facts are possible."""
    total, free = device.memory_bytes, device.memory_free_bytes
    if device.index is not None and not 0 <= device.index <= MAX_INDEX:
        return f"has index {device.index}, outside 0..{MAX_INDEX}"
    if total is not None and not 0 < total <= MAX_DEVICE_MEMORY_BYTES:
        return (
            f"reports {_bytes(total)} of memory, outside 1 byte..{_bytes(MAX_DEVICE_MEMORY_BYTES)}"
        )
    if free is not None and free < 0:
        used = f" ({_bytes(total - free)} used)" if total is not None else ""
        return f"reports more memory in use{used} than it has ({_bytes(total)})"
    if free is not None and total is not None and free > total:
        return f"reports {_bytes(free)} free of {_bytes(total)}"
    if device.gpu_cores is not None and not 1 <= device.gpu_cores <= MAX_GPU_CORES:
        return f"reports {device.gpu_cores} GPU cores, outside 1..{MAX_GPU_CORES}"
    return None


def _clean(device: Device) -> Device:
    name = printable(device.name) or f"{device.vendor.value.upper()} GPU"
    return replace(
        device,
        name=name,
        uuid=printable_or_none(device.uuid),
        compute_capability=printable_or_none(device.compute_capability),
        driver_version=printable_or_none(device.driver_version),
    )


def _bytes(n: int | None) -> str:
    from advisor.units import format_bytes

    return format_bytes(n)
