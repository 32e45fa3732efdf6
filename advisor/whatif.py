"""What-if hardware: the ``--gpu``, ``--gpu-count``, ``--vram``, ``--ram`` and ``--cpu-only`` flags.

Every command accepts these flags; ``apply_whatif`` turns them into the ``HardwareProfile``
advisor plans for, replacing what detection found:

- ``--gpu "2x RTX 4090"`` (repeatable; ``8xH100``, ``H100 x8`` and ``4 x A100 40GB`` also work)
  names catalog GPUs; ``--gpu-count N`` multiplies a single ``--gpu`` without a count.
- ``--vram GIB`` alone stands for a generic GPU of that size with unknown speed; with ``--gpu``
  it overrides the memory of each device.
- ``--cpu-only`` plans without any GPU.
- ``--ram GIB`` sets the host RAM. On unified-memory parts (Apple, GB10, Strix Halo) RAM and GPU
  memory are the same pool: ``--ram`` sizes both, and without it the chip's default
  configuration sizes both.

Flags that contradict each other (``--cpu-only`` with ``--gpu``, ``--gpu "2x A100"`` with
``--gpu-count 4``) are ``InvalidValueError`` (exit 2), never silently resolved.
"""

from __future__ import annotations

import math
import re

from advisor.errors import InvalidValueError, UnknownGpuError, shorten
from advisor.gpus import find_gpu
from advisor.models.base import Field, Frozen
from advisor.models.hardware import (
    MAX_DEVICE_MEMORY_BYTES,
    MAX_GPUS,
    MAX_RAM_BYTES,
    MIN_MEMORY_GIB,
    GpuInfo,
    GpuSpec,
    HardwareProfile,
    Vendor,
)
from advisor.units import GIB

_EXAMPLE = 'write e.g. "RTX 4090", "2x RTX 4090" or "H100 x8"'
_PREFIX = re.compile(r"^\s*(?P<n>[+-]?\d+)\s*[x×*]\s*(?P<name>.*)$", re.IGNORECASE)
_SUFFIX = re.compile(r"^(?P<name>.*?\S)\s+[x×*]\s*(?P<n>[+-]?\d+)\s*$", re.IGNORECASE)
_BARE_X = re.compile(r"^\s*[x×*]\s*\d", re.IGNORECASE)


class WhatIf(Frozen):
    """The hardware flags as the user gave them (unvalidated; ``apply_whatif`` checks them)."""

    gpus: list[str] = Field(
        default_factory=list, description='--gpu values, e.g. "RTX 4090", "2x RTX 4090".'
    )
    gpu_count: int | None = Field(default=None, description="--gpu-count: devices of one --gpu.")
    vram_gib: float | None = Field(default=None, description="--vram: memory per device, GiB.")
    ram_gib: float | None = Field(default=None, description="--ram: host RAM, GiB.")
    cpu_only: bool = Field(default=False, description="--cpu-only: plan without a GPU.")

    def is_empty(self) -> bool:
        """True when no hardware flag was given, so detection stands as found."""
        return (
            not self.gpus
            and self.gpu_count is None
            and self.vram_gib is None
            and self.ram_gib is None
            and not self.cpu_only
        )


def _count(raw: str, text: str) -> int:
    # More than 9 digits is beyond MAX_GPUS anyway, and int() refuses 4300+ digits outright.
    digits = len(raw.lstrip("+-"))
    value = int(raw) if digits <= 9 else None
    if value is None or not 1 <= value <= MAX_GPUS:
        got = f"a {digits}-digit number" if value is None else str(value)
        raise InvalidValueError(
            f"GPU count in {shorten(text, 60)!r} must be 1 to {MAX_GPUS}, got {got}", _EXAMPLE
        )
    return value


def _split_count(text: str) -> tuple[str, int | None]:
    """The GPU name and the count written with it (None when no count was written)."""
    if not text.strip():
        raise InvalidValueError("empty --gpu value", _EXAMPLE)
    if _BARE_X.match(text):
        raise InvalidValueError(
            f"cannot read GPU {shorten(text, 60)!r}: the count before 'x' is missing", _EXAMPLE
        )
    prefix = _PREFIX.match(text)
    suffix = _SUFFIX.match(text)
    if prefix and suffix:
        raise InvalidValueError(f"GPU {shorten(text, 60)!r} gives the count twice", _EXAMPLE)
    match = prefix or suffix
    if match is None:
        return text.strip(), None
    name = match.group("name").strip()
    if not name:
        raise InvalidValueError(f"GPU {shorten(text, 60)!r} has a count but no GPU name", _EXAMPLE)
    return name, _count(match.group("n"), text)


def _parse(text: str) -> tuple[GpuSpec, int | None]:
    """Like parse_gpu_expr, but says whether a count was written."""
    try:
        return find_gpu(text), None  # first the whole text: names like "7900 XTX" hold an "x"
    except UnknownGpuError:
        pass
    name, count = _split_count(text)
    return find_gpu(name), count


def parse_gpu_expr(text: str) -> tuple[GpuSpec, int]:
    """Read one ``--gpu`` value: a catalog GPU name with an optional count.

    Accepts ``"RTX 4090"`` (count 1), ``"2x RTX 4090"``, ``"8xH100"``, ``"H100 x8"`` and
    ``"4 x A100 40GB"``. Raises InvalidValueError for malformed counts (``"x4090"``,
    ``"0x H100"``, ``"-2x A100"``, ``"2x"``) and UnknownGpuError for an unknown name.
    """
    spec, count = _parse(text)
    return spec, 1 if count is None else count


def size_problem(value: float, flag: str) -> str | None:
    """Why ``value`` GiB is not a size ``flag`` (``--vram`` per device, ``--ram`` for the host)
    accepts, or ``None`` when it is one."""
    high = (MAX_DEVICE_MEMORY_BYTES if flag == "--vram" else MAX_RAM_BYTES) / GIB
    if math.isfinite(value) and MIN_MEMORY_GIB <= value <= high:
        return None
    return f"must be {MIN_MEMORY_GIB:g} to {high:.0f} GiB, got {value:g}"


def _positive_gib(value: float | None, flag: str) -> int | None:
    if value is None:
        return None
    problem = size_problem(value, flag)
    if problem is not None:
        raise InvalidValueError(f"{flag} {problem}", "give the size in GiB, e.g. 24")
    return round(value * GIB)


def _from_spec(spec: GpuSpec, count: int, memory_bytes: int) -> GpuInfo:
    return GpuInfo(
        name=spec.name,
        vendor=spec.vendor,
        count=count,
        memory_bytes=memory_bytes,
        unified_memory=spec.unified_memory,
        compute_capability=spec.compute_capability,
        source="what-if",
        spec_id=spec.id,
        memory_bandwidth_bytes_per_s=spec.memory_bandwidth_bytes_per_s,
        bf16_tflops=spec.tensor_tflops,
        fp8=spec.fp8,
        hourly_usd=spec.hourly_usd,
    )


def _catalog_groups(whatif: WhatIf) -> list[tuple[GpuSpec, int]]:
    parsed = [_parse(text) for text in whatif.gpus]
    wanted = whatif.gpu_count
    groups: list[tuple[GpuSpec, int]] = []
    if wanted is not None and len(parsed) == 1 and parsed[0][1] is None:
        groups = [(parsed[0][0], wanted)]
    else:
        groups = [(spec, 1 if count is None else count) for spec, count in parsed]
        total = sum(count for _, count in groups)
        if wanted is not None and wanted != total:
            raise InvalidValueError(
                f"--gpu-count {wanted} contradicts --gpu {', '.join(whatif.gpus)} ({total} GPUs)",
                "give the count once: --gpu H100 --gpu-count 8, or --gpu '8x H100'",
            )
    merged: dict[str, tuple[GpuSpec, int]] = {}
    for spec, count in groups:
        merged[spec.id] = (spec, merged.get(spec.id, (spec, 0))[1] + count)
    if sum(count for _, count in merged.values()) > MAX_GPUS:
        raise InvalidValueError(f"at most {MAX_GPUS} GPUs in a what-if", None)
    return list(merged.values())


def _check(whatif: WhatIf) -> None:
    if whatif.gpu_count is not None and not 1 <= whatif.gpu_count <= MAX_GPUS:
        raise InvalidValueError(
            f"--gpu-count must be 1 to {MAX_GPUS}, got {whatif.gpu_count}", None
        )
    if whatif.cpu_only and (
        whatif.gpus or whatif.gpu_count is not None or whatif.vram_gib is not None
    ):
        raise InvalidValueError(
            "--cpu-only cannot be combined with --gpu, --gpu-count or --vram",
            "drop --cpu-only, or drop the GPU flags",
        )


def apply_whatif(whatif: WhatIf, host: HardwareProfile) -> HardwareProfile:
    """The profile to plan for: ``host`` with the what-if flags applied.

    Returns ``host`` unchanged when no flag was given; otherwise a copy with ``what_if=True``
    whose GPUs come from ``--gpu`` (catalog facts, ``source="what-if"``), from ``--vram`` alone
    (a generic device with unknown speed), from ``--cpu-only`` (none), or, with only
    ``--gpu-count``, from the host's single GPU group; RAM comes from ``--ram``, else from a
    unified-memory GPU's memory, else from the host. Raises InvalidValueError for contradictory
    flags, counts outside 1..MAX_GPUS and sizes that are not positive; UnknownGpuError for unknown
    GPU names.
    """
    if whatif.is_empty():
        return host
    _check(whatif)
    vram = _positive_gib(whatif.vram_gib, "--vram")
    ram = _positive_gib(whatif.ram_gib, "--ram")
    gpus = list(host.gpus)
    unified_ram: int | None = None
    if whatif.cpu_only:
        gpus = []
    elif whatif.gpus:
        gpus = []
        for spec, count in _catalog_groups(whatif):
            memory = vram or (ram if spec.unified_memory and ram else None) or spec.memory_bytes
            if spec.unified_memory and unified_ram is None:
                unified_ram = ram or memory
            gpus.append(_from_spec(spec, count, memory))
    elif vram is not None:
        gpus = [
            GpuInfo(
                name=f"what-if GPU ({whatif.vram_gib:g} GiB)",
                vendor=Vendor.NVIDIA,
                count=whatif.gpu_count or 1,
                memory_bytes=vram,
                source="what-if",
            )
        ]
    elif whatif.gpu_count is not None:
        gpus = [_host_group(host).model_copy(update={"count": whatif.gpu_count, "indices": []})]
    update: dict[str, object] = {"gpus": gpus, "what_if": True}
    new_ram = ram or unified_ram
    if new_ram is not None:
        update.update(ram_bytes=new_ram, ram_total_bytes=new_ram, ram_available_bytes=None)
        update["ram_limit_bytes"] = None
    return host.model_copy(update=update)


def _host_group(host: HardwareProfile) -> GpuInfo:
    if len(host.gpus) != 1:
        found = "no GPU" if not host.gpus else f"{len(host.gpus)} kinds of GPU"
        raise InvalidValueError(
            f"--gpu-count alone needs exactly one kind of detected GPU, found {found}",
            "name the GPU: --gpu H100 --gpu-count 8",
        )
    return host.gpus[0]
