"""The host: CPU, RAM (with the container's limit) and free disk.

Linux facts come from ``/proc`` (``cpuinfo``, ``meminfo``) under an injectable root, with
psutil filling what they lack; macOS facts from ``sysctl``. Parsers are pure; ``probe`` never
raises and leaves what it cannot learn as ``None``.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from advisor.hardware import cgroup
from advisor.hardware.limits import MAX_CPUS, printable_or_none, read_small
from advisor.hardware.runner import ProbeFailure, Runner, check
from advisor.models.hardware import MAX_RAM_BYTES, CpuInfo, ProbeError

ARM_PARTS = {
    (0x41, 0xD0C): "ARM Neoverse N1",
    (0x41, 0xD40): "ARM Neoverse V1",
    (0x41, 0xD49): "ARM Neoverse N2",
    (0x41, 0xD4F): "ARM Neoverse V2",
    (0x41, 0xD8E): "ARM Neoverse N3",
    (0x41, 0xD84): "ARM Neoverse V3",
    (0x41, 0xD0B): "ARM Cortex-A76",
    (0x41, 0xD42): "ARM Cortex-A78AE",
    (0x41, 0xD08): "ARM Cortex-A72",
    (0xC0, 0xAC3): "Ampere-1",
}
"""Names of common arm64 cores by (implementer, part): arm64 /proc/cpuinfo has no model name.
Neoverse V2 is the core of NVIDIA Grace; Cortex-A78AE of Jetson Orin."""


class CpuFacts(NamedTuple):
    """What ``/proc/cpuinfo`` says; counts are ``None`` when the text cannot tell."""

    name: str | None
    cores: int | None
    logical_cores: int | None


def parse_cpuinfo(text: str) -> CpuFacts:
    """CPU name and counts from ``/proc/cpuinfo`` (x86 and arm64).

    Cores: distinct (physical id, core id) pairs when every processor is listed, else
    ``cpu cores`` × sockets. Logical: processors listed, or ``siblings`` × sockets when larger
    (so a first-block excerpt still gives the package's thread count).
    """
    blocks = [b for b in text.split("\n\n") if b.strip()]
    records = [_fields(b) for b in blocks]
    records = [r for r in records if "processor" in r]
    if not records:
        return CpuFacts(None, None, None)
    first = records[0]
    name = first.get("model name") or first.get("hardware") or _arm_name(first)
    sockets = len({r.get("physical id") for r in records if "physical id" in r}) or 1
    pairs = {(r.get("physical id"), r.get("core id")) for r in records if "core id" in r}
    per_package = _int(first.get("cpu cores"))
    siblings = _int(first.get("siblings"))
    cores: int | None = per_package * sockets if per_package else None
    if pairs and len(records) > 1:
        cores = len(pairs)
    logical: int | None = len(records)
    if siblings and siblings * sockets > len(records):
        logical = siblings * sockets
    if cores is None and not pairs and "CPU part" in first:
        cores = len(records)  # arm64: one thread per core
    return CpuFacts(name, cores, logical)


def _fields(block: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values.setdefault(key.strip(), value.strip())
    return values


def _arm_name(fields: Mapping[str, str]) -> str | None:
    implementer, part = _int(fields.get("CPU implementer")), _int(fields.get("CPU part"))
    if implementer is None or part is None:
        return None
    return ARM_PARTS.get((implementer, part))


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip(), 0)
    except ValueError:
        return None


class MemInfo(NamedTuple):
    """Total and available RAM in bytes from ``/proc/meminfo``."""

    total_bytes: int | None
    available_bytes: int | None


def parse_meminfo(text: str) -> MemInfo:
    """RAM from ``/proc/meminfo``; available is ``MemAvailable``, else free + buffers + cache.

    Kernels before 3.14 have no ``MemAvailable``; 2.4-era files start with a byte table that
    is skipped.
    """
    kib: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.replace(":", " ").split()
        if (
            len(parts) >= 2
            and parts[1].isascii()
            and parts[1].isdigit()
            and (len(parts) == 2 or parts[2] == "kB")
        ):
            kib.setdefault(parts[0], int(parts[1]))
    total = kib.get("MemTotal")
    available = kib.get("MemAvailable")
    if available is None and "MemFree" in kib:
        available = kib["MemFree"] + kib.get("Buffers", 0) + kib.get("Cached", 0)
    return MemInfo(
        total * 1024 if total else None, available * 1024 if available is not None else None
    )


@dataclass
class HostFacts:
    """Everything ``probe`` learned about the host."""

    cpu: CpuInfo
    ram_total_bytes: int | None
    ram_available_bytes: int | None
    ram_limit_bytes: int | None
    disk_free_bytes: int | None
    os: str | None
    errors: list[ProbeError] = field(default_factory=list)

    @property
    def ram_bytes(self) -> int | None:
        """Usable RAM: the container limit when it is lower than the host's RAM."""
        if self.ram_total_bytes is None:
            return self.ram_limit_bytes
        if self.ram_limit_bytes is None:
            return self.ram_total_bytes
        return min(self.ram_total_bytes, self.ram_limit_bytes)


def probe(
    runner: Runner,
    env: Mapping[str, str],
    *,
    sys_root: Path = Path("/"),
    proc_root: Path = Path("/"),
) -> HostFacts:
    """CPU, RAM, container limit, disk free and OS of this machine; never raises."""
    errors: list[ProbeError] = []
    system = platform.system()
    name: str | None = None
    cores = logical = total = available = None
    if system == "Darwin":
        from advisor.hardware import apple

        try:
            facts = apple.sysctl_facts(
                apple.parse_sysctl(check(runner.run(["sysctl", "hw", "machdep.cpu"])))
            )
            name, cores, logical, total = (
                facts.cpu_name,
                facts.cores,
                facts.logical_cores,
                facts.memory_bytes,
            )
        except ProbeFailure as exc:
            errors.append(ProbeError(probe=exc.probe, message=exc.message))
    cpuinfo = read_small(proc_root / "proc/cpuinfo")
    if cpuinfo is not None:
        parsed = parse_cpuinfo(cpuinfo)
        name, cores, logical = (
            name or parsed.name,
            cores or parsed.cores,
            logical or parsed.logical_cores,
        )
    meminfo = read_small(proc_root / "proc/meminfo")
    if meminfo is not None:
        mem = parse_meminfo(meminfo)
        total, available = total or mem.total_bytes, mem.available_bytes
    cores, logical, total, available = _psutil_fill(cores, logical, total, available)
    limit = cgroup.read_limit(sys_root, proc_root) if system == "Linux" else None
    limit_bytes = limit.limit_bytes if limit else None
    if limit_bytes is not None and available is not None:
        headroom = limit_bytes - (limit.usage_bytes or 0) if limit else limit_bytes
        available = max(0, min(available, headroom))
    cores, logical, total, available = _plausible(cores, logical, total, available, errors)
    return HostFacts(
        cpu=CpuInfo(name=printable_or_none(name), cores=cores, logical_cores=logical, arch=_arch()),
        ram_total_bytes=total,
        ram_available_bytes=available,
        ram_limit_bytes=limit_bytes,
        disk_free_bytes=disk_free(env),
        os=_os_name(system),
        errors=errors,
    )


def _plausible(
    cores: int | None,
    logical: int | None,
    total: int | None,
    available: int | None,
    errors: list[ProbeError],
) -> tuple[int | None, int | None, int | None, int | None]:
    """The counts and sizes that can be real; each impossible one becomes ``None`` and an error."""

    def refuse(what: str, value: int, bound: str) -> None:
        errors.append(ProbeError(probe="host", message=f"{what} {value} is {bound}; ignored"))

    if cores is not None and not 1 <= cores <= MAX_CPUS:
        refuse("CPU core count", cores, f"outside 1..{MAX_CPUS}")
        cores = None
    if logical is not None and not 1 <= logical <= MAX_CPUS:
        refuse("CPU thread count", logical, f"outside 1..{MAX_CPUS}")
        logical = None
    if total is not None and not 0 < total <= MAX_RAM_BYTES:
        refuse("RAM size (bytes)", total, f"outside 1..{MAX_RAM_BYTES}")
        total = available = None
    if available is not None and (available < 0 or (total is not None and available > total)):
        refuse("available RAM (bytes)", available, "more than the RAM or negative")
        available = None
    return cores, logical, total, available


def _psutil_fill(
    cores: int | None, logical: int | None, total: int | None, available: int | None
) -> tuple[int | None, int | None, int | None, int | None]:
    # psutil is a dependency but loads platform modules: imported only when /proc (or
    # sysctl) left a fact unknown.
    if None not in (cores, logical, total, available):
        return cores, logical, total, available
    import psutil

    if cores is None:
        cores = psutil.cpu_count(logical=False) or None
    if logical is None:
        logical = psutil.cpu_count(logical=True) or os.cpu_count() or None
    if total is None or available is None:
        memory = psutil.virtual_memory()
        total = total or memory.total or None
        available = memory.available if available is None else available
    return cores, logical, total, available


def disk_free(env: Mapping[str, str]) -> int | None:
    """Free bytes on the disk of the advisor home (``ADVISOR_HOME``) if it exists, else cwd."""
    home_text = env.get("ADVISOR_HOME")
    home = Path(home_text).expanduser() if home_text else Path.home() / ".advisor"
    for candidate in (home, Path.cwd()):
        try:
            if candidate.is_dir():
                return _free_bytes(candidate)
        except OSError:
            continue
    return None


def _free_bytes(folder: Path) -> int:
    """Bytes an unprivileged user may still write on ``folder``'s file system.

    ``os.statvfs`` where there is one (what ``shutil.disk_usage`` computes on POSIX, without
    importing shutil at start-up), else ``shutil.disk_usage``.
    """
    if hasattr(os, "statvfs"):
        st = os.statvfs(folder)
        return st.f_bavail * st.f_frsize
    import shutil

    return shutil.disk_usage(folder).free


def _arch() -> str | None:
    machine = platform.machine()
    return {"aarch64": "arm64", "AMD64": "x86_64", "x64": "x86_64"}.get(machine, machine) or None


def _os_name(system: str) -> str | None:
    if system == "Darwin":
        version = platform.mac_ver()[0]
        return f"macOS {version}" if version else "macOS"
    release = platform.release()
    return f"{system} {release}".strip() or None
