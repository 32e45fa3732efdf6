"""Apple Macs: the GPU from ``system_profiler``, the CPU and RAM from ``sysctl``.

On Apple Silicon the GPU has no memory of its own: it is reported with ``unified_memory`` and,
as ``memory_bytes``, the share of RAM Metal lets the GPU keep resident by default
(``MTLDevice.recommendedMaxWorkingSetSize``; see ``gpu_share``). Intel Macs list their discrete
AMD/NVIDIA GPUs with VRAM; integrated Intel graphics and virtual-machine display adapters are
not compute devices and are left out. Parsers are pure functions of the tools' text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.hardware.devices import Device, VendorResult, to_int
from advisor.hardware.runner import NotInstalled, ProbeFailure, ProbeTimeout, Runner, check
from advisor.models.hardware import ProbeError, Vendor

GIB = 1024**3

GPU_SHARE_LARGE = 0.75
GPU_SHARE_SMALL = 2 / 3
GPU_SHARE_THRESHOLD_BYTES = 36 * GIB
"""Metal's default working-set limit, as a share of RAM: 3/4 above 36 GiB, 2/3 at or below.

The rule follows what ``recommendedMaxWorkingSetSize`` has reported on Macs: an M2 Max with
64 GB stops near 47-48 GB (ggml-org/llama.cpp#1870). Recent macOS grants somewhat more on
smaller Macs (M3 16 GB: 11.84 GB in AlexsJones/llmfit#754; 24 GB: 17.76 GiB in
sgl-project/sglang#29949) and on the largest (128 GiB: 107.5 GiB in antirez/ds4#893), so these
shares err on the safe side. ``sudo sysctl iogpu.wired_limit_mb=N`` raises the limit.
"""


def gpu_share(ram_bytes: int) -> int:
    """Bytes of unified memory the GPU may use by default on a Mac with ``ram_bytes`` of RAM."""
    share = GPU_SHARE_LARGE if ram_bytes > GPU_SHARE_THRESHOLD_BYTES else GPU_SHARE_SMALL
    return int(ram_bytes * share)


@dataclass(frozen=True)
class MacGpu:
    """A GPU listed by ``system_profiler SPDisplaysDataType``."""

    name: str
    vendor: Vendor
    cores: int | None
    vram_bytes: int | None
    apple_silicon: bool


def _json(text: str) -> dict[str, Any]:
    start = text.find("{")
    end = text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the output")
    try:
        data = json.loads(text[start : end + 1])
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def parse_displays(text: str) -> list[MacGpu]:
    """GPUs from ``system_profiler SPDisplaysDataType -json``.

    Keeps Apple Silicon GPUs (``Apple M…``, with their core count) and discrete AMD/NVIDIA GPUs
    of Intel Macs (with ``spdisplays_vram``); drops Intel iGPUs and paravirtual VM adapters.
    Raises ``ValueError`` on text that is not this JSON.
    """
    gpus = []
    for entry in _json(text).get("SPDisplaysDataType", []):
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("sppci_model") or entry.get("_name") or "").strip()
        vendor_text = str(entry.get("spdisplays_vendor", "")).lower()
        apple_silicon = name.startswith("Apple M")
        if apple_silicon:
            vendor = Vendor.APPLE
        elif "amd" in vendor_text or "ati" in vendor_text or name.startswith(("AMD", "Radeon")):
            vendor = Vendor.AMD
        elif "nvidia" in vendor_text or name.startswith("NVIDIA"):
            vendor = Vendor.NVIDIA
        else:
            continue
        vram = entry.get("spdisplays_vram") or entry.get("spdisplays_vram_shared")
        gpus.append(
            MacGpu(
                name=name,
                vendor=vendor,
                cores=to_int(str(entry.get("sppci_cores", ""))),
                vram_bytes=None if apple_silicon else parse_size(str(vram or "")),
                apple_silicon=apple_silicon,
            )
        )
    return gpus


_SIZE = re.compile(r"\s*(\d{1,12}(?:[.,]\d{1,6})?)\s*(KB|MB|GB|TB)\s*", re.IGNORECASE)


def parse_size(text: str) -> int | None:
    """Bytes from system_profiler sizes such as ``16 GB`` or ``1536 MB`` (binary units)."""
    match = _SIZE.fullmatch(text)
    if not match:
        return None
    power = {"KB": 1, "MB": 2, "GB": 3, "TB": 4}[match.group(2).upper()]
    return int(float(match.group(1).replace(",", ".")) * 1024**power)


@dataclass(frozen=True)
class MacHardware:
    """What ``system_profiler SPHardwareDataType`` says about the chip and RAM."""

    chip: str | None
    memory_bytes: int | None
    cores: int | None


def parse_hardware(text: str) -> MacHardware:
    """Chip, RAM and CPU cores from ``system_profiler SPHardwareDataType -json``.

    ``chip_type`` is missing when the command runs under Rosetta; the chip is then ``None``.
    ``number_processors`` is an integer or ``"proc 18:6:0:12"`` (total first).
    """
    entries = _json(text).get("SPHardwareDataType") or [{}]
    entry = entries[0] if isinstance(entries[0], dict) else {}
    chip = entry.get("chip_type") or entry.get("cpu_type")
    chip = str(chip) if chip and chip != "Unknown" else None
    procs = entry.get("number_processors")
    cores = procs if isinstance(procs, int) else None
    if isinstance(procs, str):
        match = re.match(r"proc (\d+)", procs)
        cores = int(match.group(1)) if match else None
    return MacHardware(chip, parse_size(str(entry.get("physical_memory", ""))), cores)


def parse_sysctl(text: str) -> dict[str, str]:
    """``key: value`` lines of ``sysctl`` output as a dict (``key = value`` accepted too)."""
    values = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.]+)\s*[:=]\s?(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2).strip()
    return values


@dataclass(frozen=True)
class SysctlFacts:
    """CPU and RAM facts read from ``sysctl hw machdep.cpu``."""

    cpu_name: str | None
    cores: int | None
    logical_cores: int | None
    memory_bytes: int | None


def sysctl_facts(values: Mapping[str, str]) -> SysctlFacts:
    """Name, cores and RAM from sysctl keys; cores summed over ``hw.perflevelN`` if needed."""

    def total(kind: str) -> int | None:
        direct = to_int(values.get(f"hw.{kind}"))
        if direct:
            return direct
        levels = [
            to_int(values.get(f"hw.perflevel{n}.{kind}"))
            for n in range(to_int(values.get("hw.nperflevels")) or 0)
        ]
        found = [lv for lv in levels if lv]
        return sum(found) if found else None

    logical = total("logicalcpu") or to_int(values.get("hw.ncpu"))
    return SysctlFacts(
        cpu_name=values.get("machdep.cpu.brand_string") or None,
        cores=total("physicalcpu"),
        logical_cores=logical,
        memory_bytes=to_int(values.get("hw.memsize")) or None,
    )


def probe(runner: Runner, *, host_total: int | None, host_available: int | None) -> VendorResult:
    """The Mac's GPUs; never raises. Apple Silicon memory is ``gpu_share`` of host RAM."""
    result = VendorResult()
    try:
        gpus = parse_displays(check(runner.run(["system_profiler", "SPDisplaysDataType", "-json"])))
    except NotInstalled:
        return result
    except ProbeFailure as exc:
        result.errors.append(ProbeError(probe=exc.probe, message=exc.message))
        return result
    except ValueError as exc:
        result.errors.append(ProbeError(probe="system_profiler", message=f"unreadable: {exc}"))
        return result
    if not any(g.apple_silicon for g in gpus):
        gpus += _chip_without_display(runner, result.errors)
    for number, gpu in enumerate(gpus):
        memory = gpu.vram_bytes
        free = None
        if gpu.apple_silicon and host_total:
            memory = gpu_share(host_total)
            free = min(memory, host_available) if host_available is not None else None
        result.devices.append(
            Device(
                index=number,
                name=gpu.name,
                vendor=gpu.vendor,
                source="system_profiler",
                memory_bytes=memory,
                memory_free_bytes=free,
                unified_memory=gpu.apple_silicon,
                gpu_cores=gpu.cores,
            )
        )
    return result


def _chip_without_display(runner: Runner, errors: list[ProbeError]) -> list[MacGpu]:
    """An Apple Silicon GPU named from the chip when SPDisplaysDataType lists none (VMs)."""
    try:
        hardware = parse_hardware(
            check(runner.run(["system_profiler", "SPHardwareDataType", "-json"]))
        )
    except ProbeTimeout as exc:
        errors.append(ProbeError(probe=exc.probe, message=exc.message))
        return []
    except (ProbeFailure, ValueError):
        return []
    if hardware.chip and hardware.chip.startswith("Apple M"):
        return [MacGpu(hardware.chip, Vendor.APPLE, None, None, apple_silicon=True)]
    return []
