"""NVIDIA GPUs: NVML when the bindings are installed, else ``nvidia-smi``.

NVML (``nvidia-ml-py``, the ``nvml`` extra) is imported lazily and is optional. Every NVML field
is read on its own, so one unsupported call (memory on GB10, MIG on a GeForce) yields ``None``
for that field only. Without NVML, ``nvidia-smi --query-gpu`` is parsed; a driver too old for a
field is asked again without it, and the plain table is the last resort. MIG slices are listed
instead of their parent GPU. Unified-memory parts (GB10, Jetson) get host RAM as memory when
the driver reports none. ``CUDA_VISIBLE_DEVICES`` is honoured (see ``devices.visible``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from advisor.hardware import nvidia_smi
from advisor.hardware.devices import (
    Device,
    VendorResult,
    is_unified_nvidia,
    use_host_memory,
    visible,
)
from advisor.hardware.limits import MAX_DEVICES
from advisor.hardware.runner import NotInstalled, ProbeFailure, ProbeTimeout, Runner, check
from advisor.models.hardware import ProbeError, Vendor

T = TypeVar("T")

NvmlLoader = Callable[[], Any]
"""Returns the ``pynvml`` module (tests pass a fake); raises ImportError when absent."""


def load_pynvml() -> Any:
    # Optional dependency, and importing it costs time on machines without NVIDIA GPUs.
    import pynvml

    return pynvml


def probe(
    runner: Runner,
    env: Mapping[str, str],
    *,
    root: Path = Path("/"),
    host_total: int | None = None,
    host_available: int | None = None,
    nvml: NvmlLoader | None = load_pynvml,
) -> VendorResult:
    """Every NVIDIA GPU visible to CUDA programs under ``env``; never raises.

    ``root`` is where ``/dev`` and ``/proc`` live: a missing ``nvidia-smi`` is only reported when
    the driver is visibly loaded (``/proc/driver/nvidia/version`` or ``/dev/nvidiactl``).
    """
    result = VendorResult()
    devices: list[Device] | None = None
    nvml_error: ProbeError | None = None
    if nvml is not None:
        try:
            devices = devices_from_nvml(nvml())
        except ImportError:
            devices = None
        except Exception as exc:  # any NVML failure (no driver, no library): try nvidia-smi
            nvml_error = ProbeError(probe="nvml", message=_describe(exc))
    if devices is None:
        try:
            devices = devices_from_smi(runner, result.errors)
        except NotInstalled:
            devices = []
            if _driver_present(root):
                # The driver is loaded, so the user expects GPUs: say why none are listed.
                result.errors.append(
                    ProbeError(
                        probe="nvidia-smi",
                        message="NVIDIA driver present but nvidia-smi not found on PATH",
                    )
                )
                if nvml_error:
                    result.errors.insert(0, nvml_error)
        except ProbeFailure as exc:
            devices = []
            result.errors.append(ProbeError(probe=exc.probe, message=exc.message))
    devices = [use_host_memory(d, host_total, host_available) for d in devices]
    result.devices = visible(devices, env.get("CUDA_VISIBLE_DEVICES"))
    return result


def _driver_present(root: Path) -> bool:
    return (root / "proc/driver/nvidia/version").exists() or (root / "dev/nvidiactl").exists()


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# --- nvidia-smi ------------------------------------------------------------------------------


def devices_from_smi(runner: Runner, errors: list[ProbeError] | None = None) -> list[Device]:
    """GPUs (and MIG slices) from ``nvidia-smi``; ``ProbeFailure`` when it gives no answer.

    The follow-up calls for MIG slices are optional; a timeout among them is added to
    ``errors`` (the GPUs found so far are still returned).
    """
    noted = errors if errors is not None else []
    fields = list(nvidia_smi.QUERY_FIELDS)
    result = runner.run(nvidia_smi.query_args(fields))
    if result.returncode != 0 and "compute_cap" in result.stdout + result.stderr:
        fields.remove("compute_cap")  # drivers before 510 do not know this field
        result = runner.run(nvidia_smi.query_args(fields))
    try:
        gpus = nvidia_smi.parse_query(check(result), expect=fields)
    except (ProbeFailure, nvidia_smi.ParseError) as exc:
        # Last resort: the plain table, which every driver prints.
        try:
            return _from_table(runner, noted)
        except (ProbeFailure, nvidia_smi.ParseError):
            if isinstance(exc, ProbeFailure):
                raise
            raise ProbeFailure("nvidia-smi", f"unreadable output: {exc}") from None
    if any(g.mig_enabled for g in gpus):
        gpus += _mig_slices(runner, gpus, noted)
    return gpus


def _from_table(runner: Runner, errors: list[ProbeError]) -> list[Device]:
    table = nvidia_smi.parse_table(check(runner.run(["nvidia-smi"])))
    devices = list(table.devices)
    if table.mig:
        listed = _try_list(runner, errors)
        devices += nvidia_smi.mig_devices(devices, table, listed)
    return devices


def _mig_slices(runner: Runner, parents: list[Device], errors: list[ProbeError]) -> list[Device]:
    try:
        table = nvidia_smi.parse_table(check(runner.run(["nvidia-smi"])))
    except ProbeTimeout as exc:
        errors.append(ProbeError(probe=exc.probe, message=f"MIG slices not read: {exc.message}"))
        return []
    except (ProbeFailure, nvidia_smi.ParseError):
        return []  # the parents stay, as whole GPUs
    return nvidia_smi.mig_devices(parents, table, _try_list(runner, errors))


def _try_list(runner: Runner, errors: list[ProbeError]) -> list[nvidia_smi.ListedMig]:
    try:
        return nvidia_smi.parse_list(check(runner.run(["nvidia-smi", "-L"])))
    except ProbeTimeout as exc:
        message = f"-L (MIG names) not read: {exc.message}"
        errors.append(ProbeError(probe=exc.probe, message=message))
        return []
    except ProbeFailure:
        return []


# --- NVML ------------------------------------------------------------------------------------


def _get(call: Callable[..., T], *args: Any) -> T | None:
    """One NVML field, or ``None`` when this device or driver does not support it."""
    try:
        return call(*args)
    except Exception:  # NVMLError subclasses, AttributeError on old bindings
        return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return text.strip() or None


def devices_from_nvml(nvml: Any) -> list[Device]:
    """GPUs and MIG slices through NVML; raises when NVML cannot start (no driver)."""
    nvml.nvmlInit()
    try:
        driver = _text(_get(nvml.nvmlSystemGetDriverVersion))
        devices: list[Device] = []
        # A count past MAX_DEVICES is refused later; reading more handles would only cost time.
        for index in range(min(int(nvml.nvmlDeviceGetCount()), MAX_DEVICES + 1)):
            handle = _get(nvml.nvmlDeviceGetHandleByIndex, index)
            if handle is None:
                continue
            gpu = _nvml_device(nvml, handle, index, driver)
            devices.append(gpu)
            if gpu.mig_enabled:
                devices += _nvml_mig(nvml, handle, gpu)
        return devices
    finally:
        _get(nvml.nvmlShutdown)


def _nvml_device(nvml: Any, handle: object, index: int, driver: str | None) -> Device:
    name = _text(_get(nvml.nvmlDeviceGetName, handle)) or "NVIDIA GPU"
    memory = _get(nvml.nvmlDeviceGetMemoryInfo, handle)
    total = getattr(memory, "total", None)
    free = getattr(memory, "free", None) if total else None
    capability = _get(nvml.nvmlDeviceGetCudaComputeCapability, handle)
    mig_mode = _get(nvml.nvmlDeviceGetMigMode, handle)
    mig_enabled = bool(mig_mode and mig_mode[0] == getattr(nvml, "NVML_DEVICE_MIG_ENABLE", 1))
    return Device(
        index=index,
        name=name,
        vendor=Vendor.NVIDIA,
        source="nvml",
        memory_bytes=int(total) if total else None,
        memory_free_bytes=int(free) if free is not None else None,
        uuid=_text(_get(nvml.nvmlDeviceGetUUID, handle)),
        compute_capability=f"{capability[0]}.{capability[1]}" if capability else None,
        driver_version=driver,
        unified_memory=is_unified_nvidia(name),
        mig_enabled=mig_enabled,
    )


def _nvml_mig(nvml: Any, handle: object, parent: Device) -> list[Device]:
    slices = []
    for slot in range(_get(nvml.nvmlDeviceGetMaxMigDeviceCount, handle) or 0):
        mig = _get(nvml.nvmlDeviceGetMigDeviceHandleByIndex, handle, slot)
        if mig is None:
            continue
        memory = _get(nvml.nvmlDeviceGetMemoryInfo, mig)
        total = getattr(memory, "total", None)
        free = getattr(memory, "free", None)
        slices.append(
            replace(
                parent,
                name=_text(_get(nvml.nvmlDeviceGetName, mig)) or f"{parent.name} MIG",
                memory_bytes=int(total) if total else None,
                memory_free_bytes=int(free) if total and free is not None else None,
                uuid=_text(_get(nvml.nvmlDeviceGetUUID, mig)),
                mig=True,
                mig_enabled=False,
            )
        )
    return slices
