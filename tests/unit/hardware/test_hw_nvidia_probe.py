"""The NVIDIA probe: NVML fakes, nvidia-smi fallbacks, unified memory, CUDA_VISIBLE_DEVICES."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from advisor.hardware import nvidia
from advisor.hardware.devices import group
from advisor.hardware.runner import CommandResult, ProbeFailure
from tests.unit.hardware.hwfakes import GIB, LIST, MIB, QUERY, TABLE, FakeRunner, capture, failed

OURS = "nvidia-smi-query-gpu/advisor-query/"


def _no_nvml() -> Any:
    raise ImportError("pynvml")


def _probe(runner: FakeRunner, env: dict[str, str] | None = None, **kw: Any) -> Any:
    kw.setdefault("nvml", _no_nvml)
    return nvidia.probe(runner, env or {}, root=Path("/nonexistent"), **kw)


def test_smi_query_lists_every_gpu() -> None:
    result = _probe(FakeRunner({QUERY: capture(OURS + "h100-sxm-8x.csv")}))
    assert len(result.devices) == 8
    assert result.errors == []


@pytest.mark.parametrize(
    ("visible", "indices"),
    [
        (None, list(range(8))),
        ("0,3", [0, 3]),
        ("3,0", [3, 0]),
        ("", []),
        ("-1", []),
        ("1,-1,2", [1]),  # CUDA stops at the first invalid entry
        ("GPU-00000005", [5]),  # UUID prefix
        ("GPU-00000006-0000-0000-0000-000000000000", [6]),
        ("GPU-0000000", []),  # ambiguous prefix matches nothing
        ("9", []),
    ],
)
def test_cuda_visible_devices(visible: str | None, indices: list[int]) -> None:
    env = {} if visible is None else {"CUDA_VISIBLE_DEVICES": visible}
    result = _probe(FakeRunner({QUERY: capture(OURS + "h100-sxm-8x.csv")}), env)
    assert [d.index for d in result.devices] == indices


def test_gb10_gets_host_ram_as_memory() -> None:
    result = _probe(
        FakeRunner({QUERY: capture(OURS + "gb10.csv")}),
        host_total=128 * GIB,
        host_available=100 * GIB,
    )
    [gpu] = group(result.devices)
    assert gpu.unified_memory
    assert gpu.memory_bytes == 128 * GIB
    assert gpu.memory_free_bytes == 100 * GIB


def test_gb10_without_host_ram_stays_unknown() -> None:
    [gpu] = _probe(FakeRunner({QUERY: capture(OURS + "gb10.csv")})).devices
    assert gpu.memory_bytes is None


def test_mig_gpu_is_replaced_by_its_slices() -> None:
    runner = FakeRunner(
        {
            QUERY: capture(OURS + "h100-mig.csv"),
            TABLE: capture("nvidia-smi/h100-mig-590.txt"),
            LIST: capture("nvidia-smi-L/h100-mig-590.txt"),
        }
    )
    gpus = group(_probe(runner).devices)
    assert sum(g.count for g in gpus) == 4
    assert all(g.mig for g in gpus)
    assert {g.compute_capability for g in gpus} == {"9.0"}


def test_mig_slice_selected_by_uuid() -> None:
    runner = FakeRunner(
        {
            QUERY: capture(OURS + "h100-mig.csv"),
            TABLE: capture("nvidia-smi/h100-mig-590.txt"),
            LIST: capture("nvidia-smi-L/h100-mig-590.txt"),
        }
    )
    env = {"CUDA_VISIBLE_DEVICES": "MIG-00000001-0000-0000-0000-000000000001"}
    [gpu] = group(_probe(runner, env).devices)
    assert gpu.name == "NVIDIA H100 80GB HBM3 MIG 2g.20gb"
    assert gpu.memory_bytes == 20096 * MIB


def test_mig_table_failure_keeps_the_whole_gpu() -> None:
    runner = FakeRunner({QUERY: capture(OURS + "h100-mig.csv"), TABLE: ProbeFailure("x", "y")})
    [gpu] = group(_probe(runner).devices)
    assert gpu.name == "NVIDIA H100 80GB HBM3"
    assert not gpu.mig


def test_old_driver_without_compute_cap_is_asked_again() -> None:
    calls: list[str] = []

    def reply(argv: Sequence[str]) -> CommandResult:
        calls.append(argv[1])
        if "compute_cap" in argv[1]:
            return failed(argv, 2, stdout='Field "compute_cap" is not a valid field to query.')
        header = "index, uuid, name, memory.total [MiB], memory.free [MiB], driver_version, "
        row = "0, GPU-1, NVIDIA GeForce GTX 680, 2000, 2000, 470.256.02, [N/A]\n"
        return failed(argv, 0, stdout=header + "mig.mode.current\n" + row)

    [gpu] = _probe(FakeRunner({QUERY: reply})).devices
    assert len(calls) == 2
    assert gpu.memory_bytes == 2000 * MIB
    assert gpu.compute_capability is None


def test_query_failure_falls_back_to_the_table() -> None:
    runner = FakeRunner(
        {
            QUERY: failed(("nvidia-smi",), 2, stderr="Invalid combination of input arguments"),
            TABLE: capture("nvidia-smi/gtx680-470.txt"),
        }
    )
    result = _probe(runner)
    assert [d.memory_bytes for d in result.devices] == [2000 * MIB]
    assert result.errors == []


@pytest.mark.parametrize(
    "reply",
    [
        ProbeFailure("nvidia-smi", "timed out after 10 s"),
        "\x89PNG\r\n garbage \x00\n",
        failed(("nvidia-smi",), 9, stderr="NVIDIA-SMI has failed because it couldn't communicate"),
    ],
)
def test_broken_nvidia_smi_is_recorded_not_raised(reply: Any) -> None:
    result = _probe(FakeRunner({QUERY: reply, TABLE: reply}))
    assert result.devices == []
    [error] = result.errors
    assert error.probe == "nvidia-smi"


def test_missing_nvidia_smi_is_silent_without_a_driver() -> None:
    assert _probe(FakeRunner()).errors == []


def test_missing_nvidia_smi_is_reported_when_the_driver_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/nvidiactl").touch()
    result = nvidia.probe(FakeRunner(), {}, root=tmp_path, nvml=_no_nvml)
    [error] = result.errors
    assert "not found" in error.message


# --- NVML ------------------------------------------------------------------------------------


class NotSupported(Exception):
    pass


class FakeNvml:
    """Two RTX 4090s, one GB10 (no memory info), one H100 in MIG mode with two slices."""

    NVML_DEVICE_MIG_ENABLE = 1

    def __init__(self) -> None:
        self.shut = False
        gib = GIB
        self.devices: dict[object, dict[str, Any]] = {
            "d0": {"name": b"NVIDIA GeForce RTX 4090", "mem": (24 * gib, 20 * gib), "cc": (8, 9)},
            "d1": {"name": "NVIDIA GeForce RTX 4090", "mem": (24 * gib, 22 * gib), "cc": (8, 9)},
            "d2": {"name": "NVIDIA GB10", "mem": None, "cc": (12, 1)},
            "d3": {"name": "NVIDIA H100 80GB HBM3", "mem": (80 * gib, 80 * gib), "cc": (9, 0),
                   "mig": ["m0", "m1"]},
            "m0": {"name": "NVIDIA H100 80GB HBM3 MIG 3g.40gb", "mem": (40 * gib, 40 * gib)},
            "m1": {"name": "NVIDIA H100 80GB HBM3 MIG 3g.40gb", "mem": (40 * gib, 39 * gib)},
        }  # fmt: skip

    def nvmlInit(self) -> None:
        pass

    def nvmlShutdown(self) -> None:
        self.shut = True

    def nvmlSystemGetDriverVersion(self) -> str:
        return "580.95.05"

    def nvmlDeviceGetCount(self) -> int:
        return 4

    def nvmlDeviceGetHandleByIndex(self, index: int) -> str:
        return f"d{index}"

    def nvmlDeviceGetName(self, handle: str) -> Any:
        return self.devices[handle]["name"]

    def nvmlDeviceGetUUID(self, handle: str) -> str:
        return f"GPU-{handle}" if handle.startswith("d") else f"MIG-{handle}"

    def nvmlDeviceGetMemoryInfo(self, handle: str) -> Any:
        mem = self.devices[handle]["mem"]
        if mem is None:
            raise NotSupported("Not Supported")
        return SimpleNamespace(total=mem[0], free=mem[1], used=mem[0] - mem[1])

    def nvmlDeviceGetCudaComputeCapability(self, handle: str) -> tuple[int, int]:
        cc: tuple[int, int] = self.devices[handle]["cc"]
        return cc

    def nvmlDeviceGetMigMode(self, handle: str) -> tuple[int, int]:
        if "mig" not in self.devices[handle]:
            raise NotSupported("Not Supported")
        return (1, 1)

    def nvmlDeviceGetMaxMigDeviceCount(self, handle: str) -> int:
        return 7

    def nvmlDeviceGetMigDeviceHandleByIndex(self, handle: str, slot: int) -> str:
        slices: list[str] = self.devices[handle]["mig"]
        if slot >= len(slices):
            raise NotSupported("Not Found")
        return slices[slot]


def test_nvml_every_field_failing_alone_yields_none_for_that_field() -> None:
    fake = FakeNvml()
    result = nvidia.probe(
        FakeRunner(), {}, root=Path("/x"), host_total=128 * GIB, host_available=64 * GIB,
        nvml=lambda: fake,
    )  # fmt: skip
    gpus = group(result.devices)
    by_name = {g.name: g for g in gpus}
    rtx = by_name["NVIDIA GeForce RTX 4090"]
    assert (rtx.count, rtx.indices, rtx.memory_bytes) == (2, [0, 1], 24 * GIB)
    assert rtx.memory_free_bytes == 20 * GIB  # the least free of the group
    assert rtx.compute_capability == "8.9"
    assert rtx.source == "nvml"
    gb10 = by_name["NVIDIA GB10"]
    assert gb10.unified_memory and gb10.memory_bytes == 128 * GIB
    mig = by_name["NVIDIA H100 80GB HBM3 MIG 3g.40gb"]
    assert (mig.count, mig.mig, mig.memory_bytes) == (2, True, 40 * GIB)
    assert "NVIDIA H100 80GB HBM3" not in by_name  # the parent is represented by its slices
    assert fake.shut
    assert result.errors == []


def test_nvml_init_failure_falls_back_to_nvidia_smi() -> None:
    class Broken(FakeNvml):
        def nvmlInit(self) -> None:
            raise RuntimeError("Driver Not Loaded")

    runner = FakeRunner({QUERY: capture(OURS + "a40-10x.csv")})
    result = nvidia.probe(runner, {}, root=Path("/x"), nvml=Broken)
    assert len(result.devices) == 10
    assert result.errors == []
