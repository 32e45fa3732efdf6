"""Apple parsers (system_profiler, sysctl) against real captures, and the Apple probe."""

from __future__ import annotations

import pytest

from advisor.hardware import apple
from advisor.models.hardware import Vendor
from tests.unit.hardware.hwfakes import DISPLAYS, GIB, MAC_HARDWARE, FakeRunner, capture

SP_D = "system_profiler-SPDisplaysDataType-json/"
SP_H = "system_profiler-SPHardwareDataType-json/"


def test_displays_m1_pro_is_one_apple_gpu_with_cores() -> None:
    [gpu] = apple.parse_displays(capture(SP_D + "m1pro-builtin-plus-2-dell.json"))
    assert (gpu.name, gpu.vendor, gpu.cores, gpu.apple_silicon) == (
        "Apple M1 Pro",
        Vendor.APPLE,
        14,
        True,
    )


def test_displays_intel_vm_paravirtual_adapter_is_not_a_gpu() -> None:
    assert apple.parse_displays(capture(SP_D + "intel-vm-paravirtual-runner.json")) == []


@pytest.mark.parametrize(
    ("file", "chip", "memory_gib", "cores"),
    [
        ("m5max-128gb.json", "Apple M5 Max", 128, 18),
        ("m2-16gb-with-software.json", "Apple M2", 16, 8),
        ("m1-virtual-runner-7gb.json", "Apple M1 (Virtual)", 7, 3),
        ("m1-16gb-under-rosetta.json", None, 16, 8),  # no chip_type under Rosetta
    ],
)
def test_hardware_overview(file: str, chip: str | None, memory_gib: int, cores: int) -> None:
    facts = apple.parse_hardware(capture(SP_H + file))
    assert (facts.chip, facts.memory_bytes, facts.cores) == (chip, memory_gib * GIB, cores)


@pytest.mark.parametrize(
    ("file", "name", "cores", "logical", "memory"),
    [
        ("m1pro-16gb-monterey.txt", "Apple M1 Pro", 8, 8, 16 * GIB),
        ("m2-16gb-monterey.txt", "Apple M2", 8, 8, 16 * GIB),
        ("m3max-36gb-sequoia.txt", "Apple M3 Max", 14, 14, 36 * GIB),
        ("m4max-64gb-sequoia.txt", "Apple M4 Max", 16, 16, 64 * GIB),
        ("m5-24gb-tahoe.txt", "Apple M5", 10, 10, 24 * GIB),
        ("m5max-perflevels.txt", None, 18, 18, None),  # perf levels only: summed
        ("m1-virtual-runner.txt", "Apple M1 (Virtual)", 3, None, 7516192768),
        ("intel-skylake-mojave.txt", "Intel(R) Core(TM) i7-6700K CPU @ 4.00GHz", None, None,
         None),
    ],
)  # fmt: skip
def test_sysctl(
    file: str, name: str | None, cores: int | None, logical: int | None, memory: int | None
) -> None:
    facts = apple.sysctl_facts(apple.parse_sysctl(capture("sysctl/" + file)))
    assert (facts.cpu_name, facts.cores, facts.logical_cores, facts.memory_bytes) == (
        name,
        cores,
        logical,
        memory,
    )


@pytest.mark.parametrize(
    ("ram_gib", "share"), [(8, 2 / 3), (16, 2 / 3), (36, 2 / 3), (64, 0.75), (128, 0.75)]
)
def test_gpu_share_of_unified_memory(ram_gib: int, share: float) -> None:
    assert apple.gpu_share(ram_gib * GIB) == int(ram_gib * GIB * share)


def test_probe_apple_silicon_uses_share_of_host_ram() -> None:
    runner = FakeRunner({DISPLAYS: capture(SP_D + "m1pro-builtin-plus-2-dell.json")})
    result = apple.probe(runner, host_total=16 * GIB, host_available=12 * GIB)
    [gpu] = result.devices
    assert gpu.unified_memory
    assert gpu.memory_bytes == int(16 * GIB * 2 / 3)
    assert gpu.memory_free_bytes == int(16 * GIB * 2 / 3)  # capped by the GPU's share
    assert gpu.source == "system_profiler"
    assert gpu.gpu_cores == 14  # "sppci_cores" of the M1 Pro in the capture


def test_probe_virtual_mac_named_from_the_chip() -> None:
    runner = FakeRunner(
        {
            DISPLAYS: capture(SP_D + "intel-vm-paravirtual-runner.json"),
            MAC_HARDWARE: capture(SP_H + "m1-virtual-runner-7gb.json"),
        }
    )
    [gpu] = apple.probe(runner, host_total=7 * GIB, host_available=None).devices
    assert gpu.name == "Apple M1 (Virtual)"
    assert gpu.memory_free_bytes is None


def test_probe_garbage_is_recorded() -> None:
    result = apple.probe(
        FakeRunner({DISPLAYS: "zsh: killed"}), host_total=None, host_available=None
    )
    assert result.devices == []
    assert [e.probe for e in result.errors] == ["system_profiler"]
