"""detect(): every vendor, broken probes recorded, fake sysfs/proc trees, never raising."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.hardware import detect
from advisor.hardware.runner import ProbeFailure
from advisor.models.hardware import Vendor
from tests.unit.hardware.hwfakes import (
    AMD_SMI,
    DISPLAYS,
    GIB,
    MIB,
    QUERY,
    ROCM_SMI,
    SYSCTL,
    TABLE,
    FakeRunner,
    capture,
    failed,
)

OURS = "nvidia-smi-query-gpu/advisor-query/"
MISMATCH = "Failed to initialize NVML: Driver/library version mismatch"
M1_PRO = "system_profiler-SPDisplaysDataType-json/m1pro-builtin-plus-2-dell.json"


def _detect(runner: FakeRunner, root: Path, **kw: Any) -> Any:
    kw.setdefault("env", {})
    return detect(runner=runner, sysfs_root=root, proc_root=root, **kw)


@pytest.mark.usefixtures("linux")
def test_mixed_nvidia_and_amd_machine_lists_both(root: Path) -> None:
    runner = FakeRunner(
        {
            QUERY: capture(OURS + "a40-10x.csv"),
            ROCM_SMI: capture("rocm-smi-json/mi100-4x-rocm602.json"),
        }
    )
    profile = _detect(runner, root, env={"CUDA_VISIBLE_DEVICES": "0,1"})
    assert [(g.vendor, g.count) for g in profile.gpus] == [(Vendor.NVIDIA, 2), (Vendor.AMD, 4)]
    assert profile.gpu_count == 6
    assert profile.probe_errors == []
    assert profile.cpu.name == "AMD Ryzen 9 9950X 16-Core Processor"
    assert profile.ram_total_bytes == 16115528 * 1024
    assert profile.ram_bytes == profile.ram_total_bytes


@pytest.mark.usefixtures("linux")
def test_gb10_profile_uses_host_ram(root: Path) -> None:
    profile = _detect(FakeRunner({QUERY: capture(OURS + "gb10.csv")}), root)
    [gpu] = profile.gpus
    assert gpu.unified_memory
    assert gpu.memory_bytes == 16115528 * 1024


@pytest.mark.usefixtures("linux")
@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (ProbeFailure("nvidia-smi", "timed out after 10 s"), "timed out"),
        ("ÿØÿà\x00\x10JFIF garbage, more, garbage\n1,2\n", "unreadable"),
        (failed(("nvidia-smi",), 255, stderr=MISMATCH), "mismatch"),
    ],
)  # fmt: skip
def test_broken_probe_is_recorded_and_detection_goes_on(root: Path, reply: Any, words: str) -> None:
    runner = FakeRunner(
        {QUERY: reply, TABLE: reply, AMD_SMI: capture("amd-smi-json/strix-halo-static.json")}
    )
    profile = _detect(runner, root)
    [error] = profile.probe_errors
    assert error.probe == "nvidia-smi"
    assert words in error.message
    [gpu] = profile.gpus  # AMD was still asked
    assert gpu.vendor is Vendor.AMD
    assert profile.ram_total_bytes is not None


@pytest.mark.usefixtures("linux")
def test_gpus_false_skips_gpu_probes(root: Path) -> None:
    runner = FakeRunner({QUERY: capture(OURS + "a40-10x.csv")})
    profile = _detect(runner, root, gpus=False)
    assert profile.gpus == []
    assert runner.calls == []
    assert profile.cpu.cores == 16  # the host is still detected


@pytest.mark.usefixtures("linux")
def test_sysfs_only_amd_machine(root: Path) -> None:
    device = root / "sys/class/drm/card1/device"
    device.mkdir(parents=True)
    (device / "vendor").write_text("0x1002\n")
    (device / "device").write_text("0x744c\n")
    (device / "mem_info_vram_total").write_text("21458059264\n")
    profile = _detect(FakeRunner(), root)
    [gpu] = profile.gpus
    assert (gpu.source, gpu.memory_bytes, gpu.indices) == ("sysfs", 21458059264, [1])
    assert profile.probe_errors == []


@pytest.mark.usefixtures("linux")
def test_no_gpus_anywhere_is_an_empty_list_not_an_error(root: Path) -> None:
    profile = _detect(FakeRunner(), root)
    assert profile.gpus == []
    assert profile.probe_errors == []
    assert profile.ram_limit_bytes is None


@pytest.mark.usefixtures("linux")
def test_a_crashing_probe_is_contained(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr("advisor.hardware.amd.probe", boom)
    profile = _detect(FakeRunner({QUERY: capture(OURS + "a40-10x.csv")}), root)
    assert [g.count for g in profile.gpus] == [10]
    assert [e.probe for e in profile.probe_errors] == ["amd"]


def test_mac(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("platform.system", lambda: "Darwin")
    runner = FakeRunner(
        {
            SYSCTL: capture("sysctl/m1pro-16gb-monterey.txt"),
            DISPLAYS: capture(M1_PRO),
        }
    )
    profile = _detect(runner, tmp_path)
    assert profile.cpu.name == "Apple M1 Pro"
    assert (profile.cpu.cores, profile.cpu.logical_cores) == (8, 8)
    assert profile.ram_total_bytes == 16 * GIB
    [gpu] = profile.gpus
    assert (gpu.name, gpu.vendor, gpu.unified_memory) == ("Apple M1 Pro", Vendor.APPLE, True)
    assert gpu.memory_bytes == int(16 * GIB * 2 / 3)
    assert profile.ram_limit_bytes is None  # no cgroups on macOS


def test_real_machine_never_raises() -> None:
    profile = detect(gpus=False)
    assert profile.ram_total_bytes is None or profile.ram_total_bytes > 64 * MIB
