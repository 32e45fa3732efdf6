"""AMD parsers (amd-smi, rocm-smi, sysfs) against real captures, and the AMD probe."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.hardware import amd
from advisor.hardware.devices import group
from advisor.hardware.runner import ProbeFailure
from advisor.models.hardware import Vendor
from tests.unit.hardware.hwfakes import AMD_SMI, GIB, MIB, ROCM_SMI, FakeRunner, capture


def test_amd_smi_wrapper_shape_eight_mi300x() -> None:
    [gpus] = group(amd.parse_amd_smi_static(capture("amd-smi-json/mi300x-8x-static-rocm721.json")))
    assert gpus.name == "AMD Instinct MI300X"
    assert gpus.vendor is Vendor.AMD
    assert gpus.count == 8
    assert gpus.indices == list(range(8))
    assert gpus.memory_bytes == 196592 * MIB  # 192 GiB less firmware reserve
    assert gpus.driver_version == "6.16.13"
    assert not gpus.unified_memory


def test_amd_smi_nonroot_banner_and_na_fields() -> None:
    text = capture("amd-smi-json/mi300x-8x-static-rocm721-nonroot.txt")
    [gpus] = group(amd.parse_amd_smi_static(text))
    assert gpus.name == "AMD Instinct MI300X OAM"  # the board name is all that is left
    assert gpus.count == 8
    assert gpus.memory_bytes is None
    assert gpus.driver_version is None


def test_amd_smi_bare_list_shape_strix_halo_apu() -> None:
    [gpu] = amd.parse_amd_smi_static(capture("amd-smi-json/strix-halo-static.json"))
    assert gpu.name.startswith("Strix Halo")
    assert gpu.memory_bytes == 32 * GIB  # the VRAM carve-out
    assert gpu.unified_memory


def test_rocm_smi_four_mi100() -> None:
    [gpus] = group(amd.parse_rocm_smi(capture("rocm-smi-json/mi100-4x-rocm602.json")))
    assert gpus.name == "Arcturus GL-XL [Instinct MI100]"
    assert gpus.count == 4
    assert gpus.memory_bytes == 34342961152
    assert gpus.driver_version == "6.3.6"


def test_rocm_smi_new_key_names() -> None:
    [gpu] = amd.parse_rocm_smi(capture("rocm-smi-json/rx6700xt-rocm612.json"))
    assert gpu.name == "Navi 22 [Radeon RX 6700/6700 XT / 6800M]"
    assert gpu.memory_bytes == 12868124672
    assert gpu.memory_free_bytes == 12868124672 - 1572745216


def test_rocm_smi_old_key_names_with_pci_ids_for_names() -> None:
    [gpu] = amd.parse_rocm_smi(capture("rocm-smi-json/rx6700xt-rocm430.json"))
    assert gpu.name == "AMD GPU 0x73df"  # "Card series" is only the vendor id in ROCm 4.3
    assert gpu.memory_bytes == 12868124672


def test_rocm_smi_one_line_apu_plus_dgpu() -> None:
    devices = amd.parse_rocm_smi(capture("rocm-smi-json/apu-plus-dgpu-meminfo-vram-oneline.json"))
    assert [(d.index, d.memory_bytes) for d in devices] == [(0, 8573157376), (1, 536870912)]
    assert {d.name for d in devices} == {"AMD GPU"}  # only memory was asked for
    assert devices[0].driver_version is None


@pytest.mark.parametrize(
    ("file", "name", "memory"),
    [
        ("rx7900xt-productname-use-vram.json", "Radeon RX 7900 XT", 21458059264),
        ("mi50-32gb-rocm43.json", "Radeon Instinct MI50 32GB", 34342961152),
    ],
)
def test_rocm_smi_product_names(file: str, name: str, memory: int) -> None:
    [gpu] = amd.parse_rocm_smi(capture("rocm-smi-json/" + file))
    assert (gpu.name, gpu.memory_bytes) == (name, memory)


@pytest.mark.parametrize("text", ["", "ERROR: GPU[0] : Unable to open", "[1, 2", '"text"'])
def test_garbage_raises_parse_error(text: str) -> None:
    with pytest.raises(amd.ParseError):
        amd.parse_rocm_smi(text)
    with pytest.raises(amd.ParseError):
        amd.parse_amd_smi_static(text if text != "[1, 2" else "{}")


def _card(root: Path, n: int, vendor: str, total: str | None, used: str = "0") -> None:
    device = root / f"sys/class/drm/card{n}/device"
    device.mkdir(parents=True)
    (device / "vendor").write_text(vendor + "\n")
    (device / "device").write_text("0x73df\n")
    if total is not None:
        (device / "mem_info_vram_total").write_text(total + "\n")
        (device / "mem_info_vram_used").write_text(used + "\n")


def _sysfs_values() -> tuple[str, str]:
    # The capture is a shell transcript: `cat mem_info_vram_used`, then `cat ..._total`.
    lines = capture("sysfs-amdgpu/radeon-8gb-mem-info-vram.txt").splitlines()
    values = [ln for ln in lines if ln.strip().isdigit()]
    return values[1], values[0]


def test_sysfs_reads_amd_cards_only(tmp_path: Path) -> None:
    total, used = _sysfs_values()
    _card(tmp_path, 0, "0x1002", total, used)
    _card(tmp_path, 1, "0x10de", "1000")  # an NVIDIA card: not AMD's to report
    (tmp_path / "sys/class/drm/card0-DP-1").mkdir()  # connectors are not cards
    [gpu] = amd.read_sysfs(tmp_path)
    assert gpu.index == 0
    assert gpu.memory_bytes == 8573157376
    assert gpu.memory_free_bytes == 8573157376 - 6812925952
    assert gpu.name == "AMD GPU 0x73df"
    assert gpu.source == "sysfs"


def test_probe_prefers_amd_smi_and_honours_hip_visible_devices() -> None:
    runner = FakeRunner({AMD_SMI: capture("amd-smi-json/mi300x-8x-static-rocm721.json")})
    result = amd.probe(runner, {"HIP_VISIBLE_DEVICES": "2,5"}, root=Path("/x"))
    assert [d.index for d in result.devices] == [2, 5]
    assert ("rocm-smi",) not in {c[:1] for c in runner.calls}


def test_probe_rocr_visible_devices_used_without_hip() -> None:
    runner = FakeRunner({ROCM_SMI: capture("rocm-smi-json/mi100-4x-rocm602.json")})
    result = amd.probe(runner, {"ROCR_VISIBLE_DEVICES": "1"}, root=Path("/x"))
    assert [d.index for d in result.devices] == [1]


def test_probe_falls_back_to_sysfs_and_forgets_earlier_failures(tmp_path: Path) -> None:
    _card(tmp_path, 0, "0x1002", "8573157376")
    runner = FakeRunner({AMD_SMI: ProbeFailure("amd-smi", "timed out after 10 s")})
    result = amd.probe(runner, {}, root=tmp_path)
    assert [d.source for d in result.devices] == ["sysfs"]
    assert result.errors == []


def test_probe_records_failures_when_nothing_finds_gpus(tmp_path: Path) -> None:
    runner = FakeRunner({AMD_SMI: "garbage", ROCM_SMI: ProbeFailure("rocm-smi", "crashed")})
    result = amd.probe(runner, {}, root=tmp_path)
    assert result.devices == []
    assert [e.probe for e in result.errors] == ["amd-smi", "rocm-smi"]


def test_probe_silent_without_tools_or_cards(tmp_path: Path) -> None:
    result = amd.probe(FakeRunner(), {}, root=tmp_path)
    assert (result.devices, result.errors) == ([], [])
