"""AMD GPUs: ``amd-smi`` JSON, else ``rocm-smi`` JSON, else the amdgpu driver's sysfs files.

Parsers are pure. ``amd-smi static --json`` comes in two shapes (a bare list in ROCm 6, a
``{"gpu_data": [...]}`` wrapper in ROCm 7) and, without render-group access, after a text
banner and with ``N/A`` in most fields. ``rocm-smi --json`` is one line keyed by ``cardN``, with
key names that changed across releases (``Card series`` / ``Card Series``). sysfs gives memory
and PCI ids only. ``HIP_VISIBLE_DEVICES`` (else ``ROCR_VISIBLE_DEVICES``) filters by index.

APUs (Strix Halo, Phoenix...) report their VRAM carve-out as memory; they are flagged
``unified_memory`` because the carve-out is taken from host RAM and the GPU can reach more of it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from advisor.hardware.devices import Device, VendorResult, clean, to_int, visible
from advisor.hardware.limits import read_small
from advisor.hardware.runner import NotInstalled, ProbeFailure, ProbeTimeout, Runner, check
from advisor.models.hardware import ProbeError, Vendor

AMD_PCI_VENDOR = 0x1002
_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}
"""amd-smi prints binary sizes as ``MB`` (MI300X: 196592 MB = 192 GiB)."""

_APU_MARKERS = ("STRIX", "PHOENIX", "RADEON GRAPHICS", "8060S", "8050S", "890M", "880M", "780M")
"""Names of AMD integrated GPUs, whose memory is carved out of host RAM."""


class ParseError(ValueError):
    """The text is not the JSON the parser expects."""


def _is_apu(name: str) -> bool:
    upper = name.upper()
    return any(marker in upper for marker in _APU_MARKERS)


def _json_after_banner(text: str) -> Any:
    """The JSON document in ``text``, skipping any banner printed before it."""
    match = re.search(r"^\s*[\[{]", text, flags=re.MULTILINE)
    if match is None:
        raise ParseError("no JSON in the output")
    try:
        return json.loads(text[match.start() :])
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None


def parse_amd_smi_static(text: str) -> list[Device]:
    """Devices from ``amd-smi static --json``, either shape, banner or not.

    Name: ``asic.market_name``, else ``board.product_name`` (the only one left without root).
    Memory: ``vram.size``; free memory is not part of ``static`` and stays ``None``.
    """
    data = _json_after_banner(text)
    entries = data.get("gpu_data") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ParseError("expected a list of GPUs")
    devices = []
    for number, entry in enumerate(e for e in entries if isinstance(e, dict)):
        asic = _dict(entry.get("asic"))
        board = _dict(entry.get("board"))
        name = (
            clean(_str(asic.get("market_name")))
            or clean(_str(board.get("product_name")))
            or "AMD GPU"
        )
        index = entry.get("gpu")
        devices.append(
            Device(
                index=index if isinstance(index, int) and not isinstance(index, bool) else number,
                name=name,
                vendor=Vendor.AMD,
                source="amd-smi",
                memory_bytes=_size(_dict(entry.get("vram")).get("size")),
                driver_version=clean(_str(_dict(entry.get("driver")).get("version"))),
                unified_memory=_is_apu(name),
            )
        )
    return devices


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _size(value: object) -> int | None:
    """Bytes from amd-smi's ``{"value": 32768, "unit": "MB"}``; ``None`` for ``N/A``."""
    if not isinstance(value, dict):
        return None
    amount, unit = value.get("value"), str(value.get("unit", "")).upper()
    if isinstance(amount, bool) or not isinstance(amount, int | float) or unit not in _UNITS:
        return None
    if not math.isfinite(amount) or amount <= 0:
        return None
    return int(amount * _UNITS[unit])


def parse_rocm_smi(text: str) -> list[Device]:
    """Devices from ``rocm-smi ... --json``, every key spelling since ROCm 4.3.

    Name: ``Card Series`` / ``Card series`` / ``Device Name`` unless it is a bare PCI id (as in
    ROCm 4.3), else ``AMD GPU <device id>``. Memory: ``VRAM Total Memory (B)``; free memory is the
    total minus ``VRAM Total Used Memory (B)``. The driver comes from the ``system`` entry.
    """
    data = _json_after_banner(text)
    if not isinstance(data, dict):
        raise ParseError("expected an object keyed by card")
    driver = clean(_str(_dict(data.get("system")).get("Driver version")))
    devices = []
    for key, raw in data.items():
        match = re.fullmatch(r"card(\d+)", key)
        if not match or not isinstance(raw, dict):
            continue
        fields = {k.lower(): str(v) for k, v in raw.items()}
        name = _rocm_name(fields)
        total = to_int(fields.get("vram total memory (b)"))
        used = to_int(fields.get("vram total used memory (b)"))
        devices.append(
            Device(
                index=int(match.group(1)),
                name=name,
                vendor=Vendor.AMD,
                source="rocm-smi",
                memory_bytes=total or None,
                memory_free_bytes=total - used if total and used is not None else None,
                uuid=clean(fields.get("unique id")),
                driver_version=driver,
                unified_memory=_is_apu(name),
            )
        )
    return devices


def _rocm_name(fields: Mapping[str, str]) -> str:
    for key in ("card series", "device name", "card model"):
        value = clean(fields.get(key))
        if value and not re.fullmatch(r"0x[0-9a-fA-F]+", value):
            return value
    device_id = clean(fields.get("device id")) or clean(fields.get("gpu id"))
    return f"AMD GPU {device_id}" if device_id else "AMD GPU"


def read_sysfs(root: Path) -> list[Device]:
    """AMD GPUs from ``/sys/class/drm/card*/device`` under ``root``: PCI ids and VRAM.

    Needs no tool and no permissions; names are ``product_name`` where the driver exposes it,
    else ``AMD GPU <device id>``. Cards are numbered by their DRM card number.
    """
    devices = []
    drm = root / "sys/class/drm"
    cards = sorted(
        (p for p in drm.glob("card*") if re.fullmatch(r"card\d+", p.name)),
        key=lambda p: int(p.name[4:]),
    )
    for card in cards:
        device = card / "device"
        if to_int(_read_stripped(device / "vendor")) != AMD_PCI_VENDOR:
            continue
        total = parse_sysfs_bytes(_read_stripped(device / "mem_info_vram_total"))
        used = parse_sysfs_bytes(_read_stripped(device / "mem_info_vram_used"))
        device_id = clean(_read_stripped(device / "device"))
        name = clean(_read_stripped(device / "product_name")) or (
            f"AMD GPU {device_id}" if device_id else "AMD GPU"
        )
        devices.append(
            Device(
                index=int(card.name[4:]),
                name=name,
                vendor=Vendor.AMD,
                source="sysfs",
                memory_bytes=total,
                memory_free_bytes=total - used if total and used is not None else None,
                unified_memory=_is_apu(name),
            )
        )
    return devices


def parse_sysfs_bytes(text: str | None) -> int | None:
    """A byte count from a sysfs file such as ``mem_info_vram_total``; ``None`` if unreadable."""
    value = to_int(text)
    return value if value is not None and value > 0 else None


def probe(runner: Runner, env: Mapping[str, str], *, root: Path = Path("/")) -> VendorResult:
    """Every AMD GPU a HIP program may use; never raises.

    Tries amd-smi, then rocm-smi, then sysfs, stopping at the first that lists GPUs. A tool's
    failure is recorded only when nothing later finds the GPUs; missing tools are not errors.
    """
    result = VendorResult()
    errors: list[ProbeError] = []
    attempts: list[tuple[str, list[str], Any]] = [
        ("amd-smi", ["amd-smi", "static", "--json"], parse_amd_smi_static),
        (
            "rocm-smi",
            [
                "rocm-smi",
                "--showproductname",
                "--showmeminfo",
                "vram",
                "--showdriverversion",
                "--json",
            ],
            parse_rocm_smi,
        ),
    ]
    devices: list[Device] = []
    for probe_name, args, parse in attempts:
        try:
            devices = parse(check(runner.run(args)))
        except NotInstalled:
            continue
        except ProbeTimeout as exc:  # a hung tool is worth knowing about even when sysfs answers
            result.errors.append(ProbeError(probe=exc.probe, message=exc.message))
            continue
        except ProbeFailure as exc:
            errors.append(ProbeError(probe=exc.probe, message=exc.message))
            continue
        except ParseError as exc:
            errors.append(ProbeError(probe=probe_name, message=f"unreadable output: {exc}"))
            continue
        if devices:
            break
    if not devices:
        devices = read_sysfs(root)
    if not devices:
        result.errors += errors
    spec = env.get("HIP_VISIBLE_DEVICES", env.get("ROCR_VISIBLE_DEVICES"))
    result.devices = visible(devices, spec)
    return result


def _read_stripped(path: Path) -> str | None:
    text = read_small(path, 4096)
    return text.strip() if text is not None else None
