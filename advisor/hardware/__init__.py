"""Hardware detection: ``detect()`` returns the machine's ``HardwareProfile`` and never raises.

It reads the host (CPU, RAM and the container's limit, free disk) and asks every GPU vendor in
turn (NVIDIA, AMD, Apple), never stopping at the first, so mixed machines list every GPU.
Identical devices are grouped (``count``, ``indices``) and matched to the catalog for bandwidth,
FLOP/s and price. A probe that fails, hangs or prints garbage becomes an entry in
``probe_errors``, and so does each device with impossible facts (``limits.screen_devices``);
a vendor whose tools are simply not installed is silent. Unknown facts are
``None``.

Injection points for tests and what-ifs: ``runner`` (every subprocess), ``env`` (the
``*_VISIBLE_DEVICES`` variables, ``ADVISOR_HOME``), ``sysfs_root`` (``/sys`` and ``/dev``) and
``proc_root`` (``/proc``). NVML is only used with the real runner.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from advisor.hardware import host
from advisor.hardware.limits import clean_error
from advisor.hardware.runner import (
    CommandResult,
    NotInstalled,
    ProbeFailure,
    Runner,
    SubprocessRunner,
)
from advisor.models.hardware import GpuInfo, HardwareProfile, ProbeError

if TYPE_CHECKING:
    from advisor.hardware.devices import Device, VendorResult
    from advisor.hardware.nvidia import NvmlLoader

__all__ = [
    "CommandResult",
    "NotInstalled",
    "ProbeFailure",
    "Runner",
    "SubprocessRunner",
    "detect",
]

T = TypeVar("T")


def detect(
    *,
    gpus: bool = True,
    runner: Runner | None = None,
    env: Mapping[str, str] | None = None,
    sysfs_root: Path = Path("/"),
    proc_root: Path = Path("/"),
) -> HardwareProfile:
    """Profile this machine. ``gpus=False`` skips the GPU probes (a what-if replaces them)."""
    environ: Mapping[str, str] = os.environ if env is None else env
    run = runner if runner is not None else SubprocessRunner()
    errors: list[ProbeError] = []
    facts = _guard(
        "host", errors, lambda: host.probe(run, environ, sys_root=sysfs_root, proc_root=proc_root)
    )
    found: list[GpuInfo] = []
    if gpus:
        # The vendor probes are imported only here: a what-if that replaces the GPUs (the
        # common scripted case) starts faster without them.
        from advisor.hardware import nvidia
        from advisor.hardware.devices import group, with_spec
        from advisor.hardware.limits import screen_devices

        total = facts.ram_total_bytes if facts else None
        available = facts.ram_available_bytes if facts else None
        devices: list[Device] = []
        # NVML bypasses the runner, so it is used only with the real one: a caller that injects
        # a runner (tests, replays of captured output) controls every probe.
        nvml = nvidia.load_pynvml if runner is None else None
        for name, call in _vendor_probes(run, environ, sysfs_root, total, available, nvml):
            result = _guard(name, errors, call)
            if result is not None:
                kept, refused = screen_devices(result.devices, name)
                devices += kept
                errors += result.errors + refused
        found = _guard("gpus", errors, lambda: [with_spec(g) for g in group(devices)]) or []
    errors = [clean_error(e) for e in errors]
    if facts is None:
        return HardwareProfile(gpus=found, probe_errors=errors)
    return HardwareProfile(
        cpu=facts.cpu,
        ram_bytes=facts.ram_bytes,
        ram_total_bytes=facts.ram_total_bytes,
        ram_available_bytes=facts.ram_available_bytes,
        ram_limit_bytes=facts.ram_limit_bytes,
        disk_free_bytes=facts.disk_free_bytes,
        os=facts.os,
        gpus=found,
        probe_errors=[clean_error(e) for e in facts.errors] + errors,
    )


def _vendor_probes(
    run: Runner,
    env: Mapping[str, str],
    root: Path,
    total: int | None,
    available: int | None,
    nvml: NvmlLoader | None,
) -> list[tuple[str, Callable[[], VendorResult]]]:
    from advisor.hardware import amd, apple, nvidia

    probes: list[tuple[str, Callable[[], VendorResult]]] = [
        (
            "nvidia",
            lambda: nvidia.probe(
                run,
                env,
                root=root,
                host_total=total,
                host_available=available,
                nvml=nvml,
            ),
        ),
        ("amd", lambda: amd.probe(run, env, root=root)),
    ]
    if platform.system() == "Darwin":
        probes.append(
            ("apple", lambda: apple.probe(run, host_total=total, host_available=available))
        )
    return probes


def _guard(name: str, errors: list[ProbeError], call: Callable[[], T]) -> T | None:
    """``call()``, or ``None`` with an error recorded: a bug in one probe must not end detection."""
    try:
        return call()
    except Exception as exc:  # the promise is "never raises"; the message keeps the cause
        errors.append(ProbeError(probe=name, message=f"{type(exc).__name__}: {exc}"))
        return None
