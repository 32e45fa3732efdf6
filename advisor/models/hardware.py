"""Hardware types: accelerator specs from the catalog, and the profile of a machine.

A ``GpuSpec`` is a datasheet (catalog/gpus.toml). A ``GpuInfo`` is what a probe found, or what a
what-if asked for: one entry per group of identical devices, with ``count``. Facts a probe could
not establish are ``None`` (printed as ``null``), never 0.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from advisor.models.base import Field, Frozen

MAX_GPUS = 131_072
"""Largest GPU count advisor plans for (what-ifs and estimates). The biggest training clusters
reported hold on the order of 10^5 GPUs (Llama 3 405B trained on up to 16,384 H100s, arXiv
2407.21783 §3.3); beyond that a count is a typo, not a plan."""

MIN_MEMORY_GIB = 0.001
"""Smallest memory (per GPU or of the host) advisor plans for: about 1 MiB. Below it a size is a
typo (``--vram 1e-12``) and would round to zero bytes."""

MAX_DEVICE_MEMORY_BYTES = 16 * 1024**4
"""Largest memory of one device: 16 TiB. The largest accelerators carry 288 GB of HBM (B300,
MI355X); unified-memory parts report at most their host's RAM (512 GB on the largest Mac
Studio). A sanity limit for probes and what-ifs, not a fact about any product."""

MAX_RAM_BYTES = 1024**5
"""Largest host RAM: 1 PiB, about twenty times the largest single-system-image servers sold."""


class Vendor(StrEnum):
    """Who made the accelerator."""

    NVIDIA = "nvidia"
    AMD = "amd"
    APPLE = "apple"
    INTEL = "intel"
    OTHER = "other"


class GpuSpec(Frozen):
    """Datasheet facts of one accelerator model, with the source they were read from."""

    id: str = Field(description="Catalog id, e.g. 'rtx-4090'.")
    name: str = Field(description="Marketing name, e.g. 'NVIDIA GeForce RTX 4090'.")
    vendor: Vendor
    architecture: str | None = Field(default=None, description="e.g. 'Ada Lovelace', 'CDNA 3'.")
    memory_bytes: int = Field(gt=0, description="Device memory (default configuration).")
    memory_options_bytes: list[int] = Field(
        default_factory=list, description="Other memory configurations sold (Apple chips)."
    )
    memory_bandwidth_bytes_per_s: float | None = Field(default=None, gt=0)
    bf16_tflops: float | None = Field(
        default=None, gt=0, description="Dense BF16 tensor TFLOP/s, FP32 accumulate, no sparsity."
    )
    fp16_tflops: float | None = Field(
        default=None, gt=0, description="Dense FP16 tensor TFLOP/s, FP32 accumulate, no sparsity."
    )
    fp32_tflops: float | None = Field(default=None, gt=0, description="Non-tensor FP32 TFLOP/s.")
    fp8: bool = Field(default=False, description="Hardware FP8 matrix support.")
    fp8_tflops: float | None = Field(default=None, gt=0, description="Dense FP8 TFLOP/s.")
    int8_tops: float | None = Field(default=None, gt=0, description="Dense INT8 TOP/s.")
    compute_capability: str | None = Field(default=None, description="NVIDIA only, e.g. '8.9'.")
    unified_memory: bool = Field(default=False, description="Shares memory with the CPU.")
    tdp_w: float | None = Field(default=None, gt=0)
    hourly_usd: float | None = Field(
        default=None, gt=0, description="Typical on-demand cloud price per GPU-hour."
    )
    price_provider: str | None = Field(
        default=None, description="Whose public on-demand price list hourly_usd is from."
    )
    price_date: date | None = Field(default=None, description="When that price was read.")
    price_source: str | None = Field(default=None, description="URL of that price list.")
    release_year: int | None = None
    aliases: list[str] = Field(default_factory=list, description="Other names users type.")
    source: str = Field(description="Datasheet or spec page the numbers come from.")
    notes: str | None = None

    @property
    def tensor_tflops(self) -> float | None:
        """Dense 16-bit tensor throughput: BF16 where supported, else FP16."""
        return self.bf16_tflops or self.fp16_tflops


class GpuInfo(Frozen):
    """A group of identical devices found on the machine (or asked for in a what-if)."""

    name: str
    vendor: Vendor
    count: int = Field(default=1, ge=1)
    memory_bytes: int | None = Field(default=None, gt=0, description="Per device.")
    memory_free_bytes: int | None = Field(default=None, ge=0, description="Per device, at probe.")
    unified_memory: bool = Field(default=False, description="Uses host RAM (Apple, GB10, Jetson).")
    compute_capability: str | None = None
    driver_version: str | None = None
    indices: list[int] = Field(default_factory=list, description="Device indices in the group.")
    mig: bool = Field(default=False, description="A MIG slice of an NVIDIA GPU, not a whole GPU.")
    gpu_cores: int | None = Field(default=None, ge=1, description="Apple: GPU core count.")
    source: str = Field(
        description="nvml | nvidia-smi | amd-smi | rocm-smi | sysfs | system_profiler | what-if"
    )
    spec_id: str | None = Field(default=None, description="Matched catalog GpuSpec id.")
    memory_bandwidth_bytes_per_s: float | None = None
    bf16_tflops: float | None = None
    fp8: bool | None = None
    hourly_usd: float | None = None


class CpuInfo(Frozen):
    """The host CPU."""

    name: str | None = None
    cores: int | None = Field(default=None, ge=1, description="Physical cores.")
    logical_cores: int | None = Field(default=None, ge=1, description="Hardware threads.")
    arch: str | None = Field(default=None, description="x86_64, arm64, ...")


class ProbeError(Frozen):
    """A probe that failed, hung or printed something unreadable; detection went on."""

    probe: str
    message: str


class HardwareProfile(Frozen):
    """Everything advisor knows about the machine it plans for."""

    cpu: CpuInfo = Field(default_factory=CpuInfo)
    ram_bytes: int | None = Field(
        default=None, gt=0, description="Usable RAM: the cgroup limit when lower than the host's."
    )
    ram_total_bytes: int | None = Field(default=None, gt=0, description="Host RAM.")
    ram_available_bytes: int | None = Field(default=None, ge=0)
    ram_limit_bytes: int | None = Field(default=None, gt=0, description="Container limit.")
    disk_free_bytes: int | None = Field(default=None, ge=0)
    os: str | None = None
    gpus: list[GpuInfo] = Field(default_factory=list)
    what_if: bool = Field(default=False, description="True when flags replaced detection.")
    probe_errors: list[ProbeError] = Field(default_factory=list)

    @property
    def gpu_count(self) -> int:
        """Number of devices across all groups."""
        return sum(g.count for g in self.gpus)


class GpuListing(Frozen):
    """The accelerators advisor knows (``advisor gpus --json``)."""

    gpus: list[GpuSpec]
