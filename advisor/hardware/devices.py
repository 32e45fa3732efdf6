"""Per-device records shared by the vendor probes, and how they become ``GpuInfo`` groups.

Parsers return one ``Device`` per physical GPU (or MIG slice); ``group`` folds identical devices
into one ``GpuInfo`` with ``count`` and ``indices``, and ``with_spec`` adds the catalog facts of
the matched datasheet. ``visible`` applies ``CUDA_VISIBLE_DEVICES``-style filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from advisor.models.hardware import GpuInfo, ProbeError, Vendor

UNIFIED_NVIDIA_MARKERS = ("GB10", "ORIN", "XAVIER", "TEGRA", "JETSON", "THOR", "NVGPU")
"""Names of NVIDIA parts without their own memory: DGX Spark / GB10, and Jetson (Tegra) boards.

GH200 is not here: its GPU has its own 96 GB of HBM, which is what nvidia-smi and NVML report
(the 480 GB LPDDR of its Grace CPU is reachable over NVLink-C2C but is host memory).
"""


@dataclass(frozen=True)
class Device:
    """One GPU (or MIG slice) as a probe saw it. Unknown facts are ``None``."""

    index: int | None
    name: str
    vendor: Vendor
    source: str
    memory_bytes: int | None = None
    memory_free_bytes: int | None = None
    uuid: str | None = None
    compute_capability: str | None = None
    driver_version: str | None = None
    unified_memory: bool = False
    mig: bool = False
    mig_enabled: bool = False
    """A whole NVIDIA GPU whose memory is split into MIG slices (the slices are what count)."""
    gpu_cores: int | None = None
    """Apple: GPU core count from system_profiler."""


@dataclass
class VendorResult:
    """What a vendor probe found, and what went wrong on the way."""

    devices: list[Device] = field(default_factory=list)
    errors: list[ProbeError] = field(default_factory=list)


def is_unified_nvidia(name: str) -> bool:
    """True for NVIDIA parts that use host RAM (GB10, Jetson/Orin/Xavier/Thor)."""
    upper = name.upper()
    return any(marker in upper for marker in UNIFIED_NVIDIA_MARKERS)


def use_host_memory(device: Device, host_total: int | None, host_available: int | None) -> Device:
    """A unified-memory device whose tool printed no memory gets the host's RAM.

    Devices that report their own memory keep it; others are returned unchanged.
    """
    if not device.unified_memory or device.memory_bytes is not None:
        return device
    free = host_available
    if free is not None and host_total is not None:
        free = min(free, host_total)
    return replace(device, memory_bytes=host_total, memory_free_bytes=free)


def visible(devices: Sequence[Device], spec: str | None) -> list[Device]:
    """The devices a CUDA/HIP program would see under a ``*_VISIBLE_DEVICES`` value.

    ``None`` (unset) keeps all. The value is a comma list of indices or UUIDs (unique prefixes
    allowed, ``GPU-``/``MIG-`` included); like the CUDA runtime, the list stops at the first
    entry that matches nothing, so ``""`` and ``"-1"`` hide every device. Indices are those the
    tool printed (not renumbered). A MIG slice is kept when its parent GPU is selected.
    """
    if spec is None:
        return list(devices)
    chosen: list[Device] = []
    for raw in spec.split(","):
        entry = raw.strip()
        matches = _match_entry(devices, entry)
        if not matches:
            break
        chosen.extend(d for d in matches if d not in chosen)
    return chosen


def _match_entry(devices: Sequence[Device], entry: str) -> list[Device]:
    if not entry:
        return []
    if entry.isdigit():
        wanted = int(entry)
        return [d for d in devices if d.index == wanted]
    lowered = entry.lower()
    found = [d for d in devices if d.uuid and d.uuid.lower().startswith(lowered)]
    if not found and not lowered.startswith(("gpu-", "mig-")):
        found = [d for d in devices if d.uuid and d.uuid.lower().startswith("gpu-" + lowered)]
    return found if len(found) == 1 else []


def group(devices: Iterable[Device]) -> list[GpuInfo]:
    """Fold identical devices into ``GpuInfo`` groups, in the order first seen.

    Identical means same vendor, name, memory, compute capability, driver, MIG and unified
    flags, and source. A group's free memory is the smallest free memory among its devices.
    Whole GPUs split into MIG slices are dropped here when their slices are present.
    """
    items = list(devices)
    parents_with_slices = {d.index for d in items if d.mig}
    groups: dict[tuple[object, ...], list[Device]] = {}
    for d in items:
        if d.mig_enabled and not d.mig and d.index in parents_with_slices:
            continue
        key = (
            d.vendor,
            d.name,
            d.memory_bytes,
            d.compute_capability,
            d.driver_version,
            d.mig,
            d.unified_memory,
            d.source,
            d.gpu_cores,
        )
        groups.setdefault(key, []).append(d)
    result = []
    for members in groups.values():
        first = members[0]
        frees = [m.memory_free_bytes for m in members if m.memory_free_bytes is not None]
        result.append(
            GpuInfo(
                name=first.name,
                vendor=first.vendor,
                count=len(members),
                memory_bytes=first.memory_bytes if first.memory_bytes else None,
                memory_free_bytes=min(frees) if len(frees) == len(members) else None,
                unified_memory=first.unified_memory,
                compute_capability=first.compute_capability,
                driver_version=first.driver_version,
                indices=sorted(m.index for m in members if m.index is not None),
                mig=first.mig,
                gpu_cores=first.gpu_cores,
                source=first.source,
            )
        )
    return result


def with_spec(gpu: GpuInfo) -> GpuInfo:
    """``gpu`` with the catalog facts of its datasheet, when the catalog knows it.

    MIG slices are left alone: the whole GPU's bandwidth and FLOP/s would overstate a slice.
    """
    if gpu.mig:
        return gpu
    try:
        # advisor.gpus parses catalog/gpus.toml: imported only when a GPU was found.
        from advisor.gpus import match_gpu
    except ImportError:  # pragma: no cover - a broken install; detection still answers
        return gpu
    spec = match_gpu(gpu.name, gpu.memory_bytes)
    if spec is None:
        return gpu
    return gpu.model_copy(
        update={
            "spec_id": spec.id,
            "memory_bandwidth_bytes_per_s": spec.memory_bandwidth_bytes_per_s,
            "bf16_tflops": spec.tensor_tflops,
            "fp8": spec.fp8,
            "hourly_usd": spec.hourly_usd,
        }
    )


_INT = re.compile(r"\s*(0[xX][0-9a-fA-F]{1,16}|\d{1,20}(?:\.\d{1,9})?)\s*")


def to_int(text: str | None) -> int | None:
    """A non-negative integer from a tool's field (``42``, ``0x1002``, ``46068.0``); ``None``
    for ``N/A``, ``[Not Supported]``, blanks and anything else that is not such a number."""
    if text is None:
        return None
    match = _INT.fullmatch(text)
    if match is None:
        return None
    digits = match.group(1)
    if digits[:2].lower() == "0x":
        return int(digits, 16)
    return int(float(digits)) if "." in digits else int(digits)


def clean(text: str | None) -> str | None:
    """A tool's text field, ``None`` when it is blank or a not-available marker."""
    if text is None:
        return None
    cleaned = text.strip()
    if not cleaned or cleaned.strip("[]").lower() in _NOT_AVAILABLE:
        return None
    return cleaned


_NOT_AVAILABLE = {"n/a", "na", "not supported", "unknown", "none", "unsupported"}
