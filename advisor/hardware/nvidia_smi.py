"""Pure parsers for ``nvidia-smi`` output: the CSV query, the table, and ``-L``.

Each takes the text a tool printed and returns ``Device`` records, never raising on odd
values: ``[N/A]``, ``[Not Supported]``, ``N/A`` and blanks become ``None``. Memory comes out in
bytes (nvidia-smi's ``MiB`` are binary mebibytes). Unified-memory parts (GB10, Jetson) are
flagged; their memory stays ``None`` here and the probe fills it from host RAM.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.hardware.devices import Device, clean, is_unified_nvidia
from advisor.hardware.limits import MAX_DEVICES
from advisor.models.hardware import Vendor

MIB = 1024**2

QUERY_FIELDS = (
    "index",
    "uuid",
    "name",
    "memory.total",
    "memory.free",
    "compute_cap",
    "driver_version",
    "mig.mode.current",
)
"""What the probe asks ``nvidia-smi --query-gpu`` for (``compute_cap`` needs driver 510+)."""


class ParseError(ValueError):
    """The text is not the output the parser expects (garbage, an error message)."""


def query_args(fields: Sequence[str] = QUERY_FIELDS) -> list[str]:
    """The argv of the CSV query, with a header row and without units."""
    return ["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,nounits"]


def parse_query(
    text: str,
    fields: Sequence[str] | None = None,
    *,
    source: str = "nvidia-smi",
    expect: Sequence[str] | None = None,
) -> list[Device]:
    """Devices from ``nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]``.

    With ``fields`` None the first row is the header (``memory.total [MiB]`` names a unit); it
    must name at least one field this parser reads, and with ``expect`` exactly those fields in
    that order (what the probe asked for). Otherwise ``fields`` names the columns of a
    ``noheader`` output. Values may carry units (``46068 MiB``) or not. ``ParseError`` for rows
    without one value per column, values that are neither a number nor a not-available marker
    where a number belongs, and more rows than ``MAX_DEVICES``. Without an ``index`` column,
    rows are numbered in order.
    """
    try:
        rows = [r for r in csv.reader(io.StringIO(text), skipinitialspace=True) if any(r)]
    except csv.Error as exc:  # a stray carriage return, a NUL byte
        raise ParseError(f"not CSV: {exc}") from None
    if fields is None:
        if not rows:
            raise ParseError("no header row")
        names = [_field_name(h) for h in rows[0]]
        if not all(re.fullmatch(r"[A-Za-z0-9_.]+", n) for n in names) or not set(names) & set(
            QUERY_FIELDS
        ):
            raise ParseError(f"not a query header: {','.join(rows[0])[:80]!r}")
        if expect is not None and names != list(expect):
            raise ParseError(f"header {','.join(names)[:80]!r} is not the fields asked for")
        rows = rows[1:]
    else:
        names = list(fields)
    if len(rows) > MAX_DEVICES:
        raise ParseError(f"{len(rows)} rows, more than {MAX_DEVICES} GPUs")
    devices = []
    for number, row in enumerate(rows):
        if len(row) != len(names):
            raise ParseError(f"row {number + 1} has {len(row)} values for {len(names)} columns")
        values = {n: v.strip() for n, v in zip(names, row, strict=True)}
        devices.append(_device_from_query(values, number, source))
    return devices


def _field_name(header: str) -> str:
    return header.split("[", 1)[0].strip()


def _device_from_query(values: dict[str, str], number: int, source: str) -> Device:
    name = clean(values.get("name")) or "NVIDIA GPU"
    index = _index(values.get("index"))
    unified = is_unified_nvidia(name)
    total = _mib(values.get("memory.total")) or None  # 0: not reported, as in the table
    mig_mode = (clean(values.get("mig.mode.current")) or "").lower()
    return Device(
        index=number if index is None else index,
        name=name,
        vendor=Vendor.NVIDIA,
        source=source,
        memory_bytes=total,
        memory_free_bytes=_mib(values.get("memory.free")) if total is not None else None,
        uuid=clean(values.get("uuid")),
        compute_capability=clean(values.get("compute_cap")),
        driver_version=clean(values.get("driver_version")),
        unified_memory=unified,
        mig_enabled=mig_mode == "enabled",
    )


def _index(text: str | None) -> int | None:
    """A device index; ``None`` when absent or a marker, ``ParseError`` for anything else."""
    if text is None or clean(text) is None:
        return None
    if not re.fullmatch(r"\d{1,6}", text):
        raise ParseError(f"index {text[:40]!r} is not a number")
    return int(text)


def _mib(text: str | None) -> int | None:
    """Bytes from ``81559``, ``81559 MiB``; ``None`` for markers (``[N/A]``); ``ParseError``
    for text that is neither."""
    if text is None or clean(text) is None:
        return None
    match = re.fullmatch(r"\s*(\d{1,12}(?:\.\d{1,6})?)\s*(MiB)?\s*", text)
    if not match:
        raise ParseError(f"memory {text[:40]!r} is not a size in MiB")
    return round(float(match.group(1)) * MIB)


# --- the table printed by plain `nvidia-smi` -------------------------------------------------

_DRIVER = re.compile(r"(?:Driver|KMD) Version:\s*(\S+)")
_GPU_ROW = re.compile(r"^\s*(\d+)\s+(.+?)\s+(On|Off|N/A|WDDM|TCC)\s*$")
_MEMORY = re.compile(r"(\d+)MiB\s*/\s*(\d+)MiB")
_MIG_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$")


@dataclass(frozen=True)
class MigRow:
    """One row of the table's "MIG devices" section."""

    gpu_index: int
    mig_index: int
    memory_bytes: int | None
    memory_used_bytes: int | None


@dataclass(frozen=True)
class SmiTable:
    """What the plain ``nvidia-smi`` table says: GPUs, MIG slices, driver."""

    devices: list[Device]
    mig: list[MigRow]
    driver_version: str | None


def parse_table(text: str) -> SmiTable:
    """GPUs and MIG slices from the plain ``nvidia-smi`` table (every layout since 470).

    Handles the old narrow layout, Windows (``WDDM``/``TCC`` instead of persistence mode), 610's
    ``KMD Version`` header, ``Not Supported`` memory (GB10, Jetson) and ``Driver Version: N/A``.
    Names may be truncated by the table (``NVIDIA GeForce RTX 2080 ...``); prefer the CSV query.
    Raises ``ParseError`` when the text holds no GPU table at all.
    """
    driver_match = _DRIVER.search(text)
    driver = clean(driver_match.group(1)) if driver_match else None
    lines = text.splitlines()
    devices: list[Device] = []
    mig: list[MigRow] = []
    section = "gpus"
    for number, line in enumerate(lines):
        if "MIG devices:" in line:
            section = "mig"
            continue
        if "Processes:" in line:
            break
        cells = line.split("|")
        if len(cells) < 3:
            continue
        if section == "gpus":
            row = _GPU_ROW.match(cells[1])
            if row and number + 1 < len(lines):
                devices.append(_table_device(row, lines[number + 1 : number + 3], driver))
        else:
            row = _MIG_ROW.match(cells[1])
            if row:
                memory = _MEMORY.search(cells[2])
                mig.append(
                    MigRow(
                        gpu_index=int(row.group(1)),
                        mig_index=int(row.group(4)),
                        memory_bytes=int(memory.group(2)) * MIB if memory else None,
                        memory_used_bytes=int(memory.group(1)) * MIB if memory else None,
                    )
                )
    if not devices:
        raise ParseError("no GPU rows in the nvidia-smi table")
    return SmiTable(devices, mig, driver)


def _table_device(row: re.Match[str], following: list[str], driver: str | None) -> Device:
    name = row.group(2).strip()
    memory = _MEMORY.search(following[0]) if following else None
    total = int(memory.group(2)) * MIB if memory and int(memory.group(2)) > 0 else None
    mig_cell = following[1].split("|") if len(following) > 1 else []
    mig_enabled = len(mig_cell) > 3 and mig_cell[3].strip() == "Enabled"
    return Device(
        index=int(row.group(1)),
        name=name,
        vendor=Vendor.NVIDIA,
        source="nvidia-smi",
        memory_bytes=total,
        memory_free_bytes=total - int(memory.group(1)) * MIB if memory and total else None,
        driver_version=driver,
        unified_memory=is_unified_nvidia(name),
        mig_enabled=mig_enabled,
    )


# --- `nvidia-smi -L` -------------------------------------------------------------------------

_L_GPU = re.compile(r"^GPU (\d+): (.+?) \(UUID: ([^)]+)\)\s*$")
_L_MIG = re.compile(r"^\s+MIG (\S+)\s+Device\s+(\d+): \(UUID: ([^)]+)\)\s*$")


@dataclass(frozen=True)
class ListedMig:
    """A MIG slice named by ``nvidia-smi -L``."""

    gpu_index: int
    gpu_name: str
    profile: str
    mig_index: int
    uuid: str


def parse_list(text: str) -> list[ListedMig]:
    """The MIG slices listed by ``nvidia-smi -L``, with their profile (``3g.40gb``) and UUID."""
    slices = []
    gpu: tuple[int, str] | None = None
    for line in text.splitlines():
        gpu_match = _L_GPU.match(line)
        if gpu_match:
            gpu = (int(gpu_match.group(1)), gpu_match.group(2))
            continue
        mig_match = _L_MIG.match(line)
        if mig_match and gpu is not None:
            slices.append(
                ListedMig(
                    gpu[0], gpu[1], mig_match.group(1), int(mig_match.group(2)), mig_match.group(3)
                )
            )
    return slices


def mig_devices(
    parents: Sequence[Device], table: SmiTable, listed: Sequence[ListedMig]
) -> list[Device]:
    """MIG slices as devices, memory from the table and names/UUIDs from ``-L``.

    Names follow NVML's form, ``NVIDIA H100 80GB HBM3 MIG 3g.40gb``. A slice missing from
    ``-L`` is named after its parent with its memory only.
    """
    by_parent = {p.index: p for p in parents}
    names = {(m.gpu_index, m.mig_index): m for m in listed}
    slices = []
    for row in table.mig:
        parent = by_parent.get(row.gpu_index)
        entry = names.get((row.gpu_index, row.mig_index))
        parent_name = entry.gpu_name if entry else (parent.name if parent else "NVIDIA GPU")
        profile = entry.profile if entry else "slice"
        total = row.memory_bytes
        used = row.memory_used_bytes
        slices.append(
            Device(
                index=row.gpu_index,
                name=f"{parent_name} MIG {profile}",
                vendor=Vendor.NVIDIA,
                source="nvidia-smi",
                memory_bytes=total,
                memory_free_bytes=total - used if total is not None and used is not None else None,
                uuid=entry.uuid if entry else None,
                compute_capability=parent.compute_capability if parent else None,
                driver_version=parent.driver_version if parent else table.driver_version,
                mig=True,
            )
        )
    return slices
