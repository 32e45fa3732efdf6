"""nvidia-smi parsers against captured output of real machines."""

from __future__ import annotations

import pytest

from advisor.hardware import nvidia_smi
from advisor.hardware.devices import group
from advisor.models.hardware import Vendor
from tests.unit.hardware.hwfakes import MIB, capture

Q = "nvidia-smi-query-gpu/"
OURS = Q + "advisor-query/"


# --- CSV query ---------------------------------------------------------------------------------


def test_query_eight_h100_group_into_one_entry_of_eight() -> None:
    devices = nvidia_smi.parse_query(capture(OURS + "h100-sxm-8x.csv"))
    [gpus] = group(devices)
    assert gpus.name == "NVIDIA H100 80GB HBM3"
    assert gpus.count == 8
    assert gpus.indices == list(range(8))
    assert gpus.memory_bytes == 81559 * MIB
    assert gpus.compute_capability == "9.0"
    assert gpus.driver_version == "565.57.01"
    assert gpus.vendor is Vendor.NVIDIA
    assert not gpus.unified_memory


def test_query_ten_a40() -> None:
    [gpus] = group(nvidia_smi.parse_query(capture(OURS + "a40-10x.csv")))
    assert (gpus.name, gpus.count, gpus.memory_bytes) == ("NVIDIA A40", 10, 46068 * MIB)


def test_query_noheader_with_units_four_l40s() -> None:
    fields = ["name", "driver_version", "memory.total", "compute_cap"]
    devices = nvidia_smi.parse_query(capture(Q + "l40s-4x-dell-570-noheader.txt"), fields)
    [gpus] = group(devices)
    assert gpus.count == 4
    assert gpus.memory_bytes == 46068 * MIB  # "46068 MiB" with its unit
    assert gpus.compute_capability == "8.9"
    assert gpus.indices == [0, 1, 2, 3]  # numbered in order without an index column


def test_query_noheader_nounits_windows_laptop() -> None:
    fields = ["index", "name", "memory.total", "driver_version"]
    [gpu] = nvidia_smi.parse_query(capture(Q + "rtx4080-laptop-windows-616-noheader.txt"), fields)
    assert gpu.name == "NVIDIA GeForce RTX 4080 Laptop GPU"
    assert gpu.memory_bytes == 12282 * MIB
    assert gpu.driver_version == "616.92"
    assert gpu.compute_capability is None  # not asked for: unknown, not 0


@pytest.mark.parametrize(
    ("file", "name", "total_mib", "free_mib", "capability", "mig"),
    [
        ("h100-mig-590-allfields.txt", "NVIDIA H100 80GB HBM3", 81559, 81022, "9.0", True),
        ("h200-mig-590-allfields.txt", "NVIDIA H200", 143771, 143103, "9.0", True),
        ("rtx2080super-windows-591-allfields.txt", "NVIDIA GeForce RTX 2080 SUPER", 8192, 7286,
         "7.5", False),
    ],
)  # fmt: skip
def test_query_all_fields_header_with_units(
    file: str, name: str, total_mib: int, free_mib: int, capability: str, mig: bool
) -> None:
    [gpu] = nvidia_smi.parse_query(capture(Q + file))
    assert gpu.name == name
    assert gpu.memory_bytes == total_mib * MIB
    assert gpu.memory_free_bytes == free_mib * MIB
    assert gpu.compute_capability == capability
    assert gpu.mig_enabled is mig


def test_query_gb10_memory_not_available_is_unknown_and_unified() -> None:
    fields = ["index", "name", "memory.total", "memory.used", "memory.free"]
    [gpu] = nvidia_smi.parse_query(
        capture(Q + "gb10-index-name-memory-noheader-nounits.txt"), fields
    )
    assert gpu.name == "NVIDIA GB10"
    assert gpu.unified_memory
    assert gpu.memory_bytes is None
    assert gpu.memory_free_bytes is None


def test_query_gb10_with_header_and_units() -> None:
    [gpu] = nvidia_smi.parse_query(capture(Q + "gb10-memory-util-power-temp.txt"))
    assert gpu.memory_bytes is None


def test_query_missing_fields_are_unknown() -> None:
    # netdata's query asks for no memory.total, index, driver or compute capability.
    [gpu] = nvidia_smi.parse_query(capture(Q + "tesla-p100-netdata.txt"))
    assert gpu.name == "Tesla P100-PCIE-16GB"
    assert gpu.uuid == "GPU-ef1b2c9b-38d8-2090-2bd1-f567a3eb42a6"
    assert gpu.memory_bytes is None
    assert gpu.memory_free_bytes is None  # free without a total is not trusted
    assert gpu.driver_version is None
    assert gpu.index == 0


def test_query_advisor_gb10_fixture() -> None:
    [gpu] = nvidia_smi.parse_query(capture(OURS + "gb10.csv"))
    assert gpu.unified_memory and gpu.memory_bytes is None
    assert gpu.compute_capability == "12.1"
    assert not gpu.mig_enabled  # "[N/A]"


@pytest.mark.parametrize(
    "text",
    ["", "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n",
     "index, name\n0, a, b, c\n", "\x00\x01garbage"],
)  # fmt: skip
def test_query_garbage_raises_parse_error(text: str) -> None:
    with pytest.raises(nvidia_smi.ParseError):
        nvidia_smi.parse_query(text, ["index", "name", "memory.total"] if "\x00" in text else None)


# --- the plain table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "name", "count", "total_mib", "driver"),
    [
        ("h100-sxm-8x-565.txt", "NVIDIA H100 80GB HBM3", 8, 81559, "565.57.01"),
        ("a40-10x-550.txt", "NVIDIA A40", 10, 46068, "550.127.05"),
        ("l40s-4x-dell-570.txt", "NVIDIA L40S", 4, 46068, "570.172.08"),
        ("h100-80gb-hbm3-590.txt", "NVIDIA H100 80GB HBM3", 1, 81559, "590.48.01"),
        ("gtx680-470.txt", "NVIDIA GeForce ...", 1, 2000, "470.256.02"),
        ("rtx2080super-windows-591.txt", "NVIDIA GeForce RTX 2080 ...", 1, 8192, "591.86"),
        ("rtx2080super-linux-610.txt", "NVIDIA GeForce RTX 2080 ...", 1, 8192, "610.57.04"),
        ("gh200-480gb-550.txt", "NVIDIA GH200 480GB", 1, 97871, "550.127.05"),
    ],
)
def test_table_layouts(file: str, name: str, count: int, total_mib: int, driver: str) -> None:
    table = nvidia_smi.parse_table(capture("nvidia-smi/" + file))
    [gpus] = group(table.devices)
    assert (gpus.name, gpus.count, gpus.memory_bytes) == (name, count, total_mib * MIB)
    assert gpus.driver_version == driver
    assert not gpus.unified_memory  # GH200 included: its HBM is the device memory
    assert table.mig == []


def test_table_used_memory_gives_free_memory() -> None:
    table = nvidia_smi.parse_table(capture("nvidia-smi/rtx2080super-windows-591.txt"))
    assert table.devices[0].memory_free_bytes == (8192 - 702) * MIB


@pytest.mark.parametrize(
    ("file", "name", "driver"),
    [
        ("gb10-dgx-spark-580.txt", "NVIDIA GB10", "580.126.09"),
        ("jetson-orin-nano-540.txt", "Orin (nvgpu)", "540.5.0"),
        ("jetson-orin-jp6-driver-na-540.txt", "Orin (nvgpu)", None),
    ],
)
def test_table_unified_memory_parts(file: str, name: str, driver: str | None) -> None:
    [gpu] = nvidia_smi.parse_table(capture("nvidia-smi/" + file)).devices
    assert gpu.name == name
    assert gpu.unified_memory
    assert gpu.memory_bytes is None  # "Not Supported": filled from host RAM by the probe
    assert gpu.driver_version == driver


def test_table_mig_h100_slices_with_list_names() -> None:
    table = nvidia_smi.parse_table(capture("nvidia-smi/h100-mig-590.txt"))
    [parent] = table.devices
    assert parent.mig_enabled
    listed = nvidia_smi.parse_list(capture("nvidia-smi-L/h100-mig-590.txt"))
    gpus = group(nvidia_smi.mig_devices(table.devices, table, listed))
    summary = {(g.name, g.count, g.memory_bytes) for g in gpus}
    assert summary == {
        ("NVIDIA H100 80GB HBM3 MIG 3g.40gb", 1, 40448 * MIB),
        ("NVIDIA H100 80GB HBM3 MIG 2g.20gb", 1, 20096 * MIB),
        ("NVIDIA H100 80GB HBM3 MIG 1g.10gb", 2, 9984 * MIB),
    }
    assert all(g.mig for g in gpus)


def test_table_mig_h200_shared_instance() -> None:
    table = nvidia_smi.parse_table(capture("nvidia-smi/h200-mig-590.txt"))
    listed = nvidia_smi.parse_list(capture("nvidia-smi-L/h200-mig-590.txt"))
    slices = nvidia_smi.mig_devices(table.devices, table, listed)
    assert len(slices) == 5
    assert [s.name.rsplit(" ", 1)[1] for s in slices] == [
        "1c.3g.71gb",
        "2c.3g.71gb",
        "2g.35gb",
        "1g.18gb",
        "1g.18gb",
    ]
    assert slices[0].memory_bytes == 71424 * MIB
    assert slices[3].memory_free_bytes == (16384 - 9) * MIB
    assert all(s.uuid and s.uuid.startswith("MIG-") for s in slices)


def test_list_parses_mig_uuids() -> None:
    listed = nvidia_smi.parse_list(capture("nvidia-smi-L/h100-mig-590.txt"))
    assert [m.uuid for m in listed][:2] == [
        "MIG-00000000-0000-0000-0000-000000000000",
        "MIG-00000001-0000-0000-0000-000000000001",
    ]
    assert {m.gpu_index for m in listed} == {0}


def test_table_garbage_raises() -> None:
    with pytest.raises(nvidia_smi.ParseError):
        nvidia_smi.parse_table("Segmentation fault\n")
