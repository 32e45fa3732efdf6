"""The GPU catalog: coverage, consistency, name lookup and matching of names tools print."""

from __future__ import annotations

import pytest

from advisor.errors import CatalogError, UnknownGpuError
from advisor.gpus import find_gpu, load_gpus, match_gpu, normalize_name, parse_gpus
from advisor.models.hardware import GpuSpec, Vendor
from tests.conftest import FIXTURES

MIB = 1024**2
GIB = 1024**3
HW = FIXTURES / "hardware"


def by_id(gpu_id: str) -> GpuSpec:
    return next(spec for spec in load_gpus() if spec.id == gpu_id)


def test_catalog_has_at_least_40_accelerators() -> None:
    assert len(load_gpus()) >= 40


@pytest.mark.parametrize(
    ("vendor", "architecture"),
    [
        (Vendor.NVIDIA, "Turing"),
        (Vendor.NVIDIA, "Ampere"),
        (Vendor.NVIDIA, "Ada Lovelace"),
        (Vendor.NVIDIA, "Hopper"),
        (Vendor.NVIDIA, "Blackwell"),
        (Vendor.AMD, "CDNA 3"),
        (Vendor.AMD, "RDNA 3"),
        (Vendor.APPLE, "Apple GPU (M1)"),
        (Vendor.APPLE, "Apple GPU (M2)"),
        (Vendor.APPLE, "Apple GPU (M3)"),
        (Vendor.APPLE, "Apple GPU (M4)"),
    ],
)
def test_each_vendor_family_is_present(vendor: Vendor, architecture: str) -> None:
    assert any(s.vendor is vendor and s.architecture == architecture for s in load_gpus())


def test_amd_instinct_and_intel_arc_are_present() -> None:
    names = [s.name for s in load_gpus()]
    assert sum("Instinct" in n for n in names) >= 4
    assert any(n.startswith("Intel Arc") for n in names)


def test_ids_are_unique_and_no_alias_names_two_gpus() -> None:
    specs = load_gpus()
    assert len({s.id for s in specs}) == len(specs)
    owner: dict[str, str] = {}
    for spec in specs:
        for key in (spec.id, spec.name, *spec.aliases):
            assert owner.setdefault(normalize_name(key), spec.id) == spec.id, key


def test_every_entry_has_a_source_and_sane_numbers() -> None:
    for spec in load_gpus():
        assert spec.source.startswith("https://"), spec.id
        assert spec.memory_bytes >= 8 * GIB, spec.id
        if spec.memory_options_bytes:
            assert spec.memory_bytes in spec.memory_options_bytes, spec.id
        if spec.memory_bandwidth_bytes_per_s is not None:
            assert 50e9 <= spec.memory_bandwidth_bytes_per_s <= 10e12, spec.id
        for tflops in (spec.bf16_tflops, spec.fp16_tflops, spec.fp8_tflops):
            assert tflops is None or 1 <= tflops <= 6000, spec.id
        if spec.fp8_tflops is not None:
            assert spec.fp8, spec.id
        if spec.vendor is not Vendor.NVIDIA:
            assert spec.compute_capability is None, spec.id


def test_unified_memory_parts() -> None:
    for gpu_id in ("apple-m3-max", "gb10", "ryzen-ai-max-395", "jetson-agx-orin-64gb"):
        assert by_id(gpu_id).unified_memory
    assert by_id("gb10").memory_bytes == 128 * GIB
    assert not by_id("rtx-4090").unified_memory


def test_headline_figures() -> None:
    h100 = by_id("h100-sxm")
    assert h100.memory_bytes == 80 * GIB
    assert h100.bf16_tflops == pytest.approx(989.4)  # dense, not the 1,979 sparse figure
    assert h100.fp8
    rtx4090 = by_id("rtx-4090")
    assert rtx4090.memory_bytes == 25769803776
    assert rtx4090.tensor_tflops == pytest.approx(165.2)  # FP32 accumulate
    assert rtx4090.memory_bandwidth_bytes_per_s == pytest.approx(1008e9)
    assert by_id("mi300x").memory_bytes == 192 * GIB
    assert not by_id("a100-80gb-sxm").fp8


@pytest.mark.parametrize(
    ("typed", "gpu_id"),
    [
        ("4090", "rtx-4090"),
        ("RTX 4090", "rtx-4090"),
        ("rtx4090", "rtx-4090"),
        ("GeForce RTX 4090", "rtx-4090"),
        ("NVIDIA GeForce RTX-4090", "rtx-4090"),
        ("H100", "h100-sxm"),
        ("h100", "h100-sxm"),
        ("H100-80GB", "h100-sxm"),
        ("H100 SXM", "h100-sxm"),
        ("H100 PCIe", "h100-pcie"),
        ("A100", "a100-80gb-sxm"),
        ("A100 40GB", "a100-40gb-sxm"),
        ("a100-40gb", "a100-40gb-sxm"),
        ("A100 40 GB", "a100-40gb-sxm"),
        ("A100 80GB PCIe", "a100-80gb-pcie"),
        ("M3 Max", "apple-m3-max"),
        ("Apple M4 Pro", "apple-m4-pro"),
        ("MI300X", "mi300x"),
        ("7900 XTX", "rx-7900-xtx"),
        ("4080 Super", "rtx-4080-super"),
        ("4080", "rtx-4080"),
        ("DGX Spark", "gb10"),
        ("Strix Halo", "ryzen-ai-max-395"),
        ("Arc A770", "arc-a770-16gb"),
        ("l40s", "l40s"),
    ],
)
def test_find_gpu_resolves_what_users_type(typed: str, gpu_id: str) -> None:
    assert find_gpu(typed).id == gpu_id


def test_unknown_gpu_names_the_closest_ones() -> None:
    with pytest.raises(UnknownGpuError) as caught:
        find_gpu("RTX 4009")
    error = caught.value
    assert error.exit_code == 2
    assert error.message == "unknown GPU 'RTX 4009'"
    assert error.hint is not None
    assert "NVIDIA GeForce RTX 4090" in error.hint
    assert error.hint.startswith("did you mean ")
    assert "advisor gpus" in error.hint


def test_unknown_gpu_with_nothing_close_still_says_where_to_look() -> None:
    with pytest.raises(UnknownGpuError) as caught:
        find_gpu("zzzz")
    assert "advisor gpus" in (caught.value.hint or "")


# (name as printed, memory MiB as reported, fixture that holds the name or None, expected id)
PRINTED = [
    ("NVIDIA H100 80GB HBM3", 81559, "nvidia-smi/h100-80gb-hbm3-590.txt", "h100-sxm"),
    ("NVIDIA L40S", 46068, "nvidia-smi-query-gpu/l40s-4x-dell-570-noheader.txt", "l40s"),
    ("NVIDIA A40", 46068, "nvidia-smi-query-gpu/advisor-query/a40-10x.csv", "a40"),
    ("NVIDIA GB10", None, "nvidia-smi-query-gpu/advisor-query/gb10.csv", "gb10"),
    ("NVIDIA GH200 480GB", 97871, "nvidia-smi/gh200-480gb-550.txt", "gh200"),
    ("Arcturus GL-XL [Instinct MI100]", 32752, "rocm-smi-json/mi100-4x-rocm602.json", "mi100"),
    ("AMD Instinct MI300X", None, "amd-smi-json/mi300x-8x-static-rocm721.json", "mi300x"),
    ("Radeon RX 7900 XT", 20464, "rocm-smi-json/rx7900xt-productname-use-vram.json", "rx-7900-xt"),
    ("Apple M2", None, "system_profiler-SPHardwareDataType-json/m2-16gb-with-software.json",
     "apple-m2"),
    # Captured in ../shared/hardware-samples (nvidia-smi/v100-sxm2-8x-550.txt, rtx4080super-*).
    ("Tesla V100-SXM2-16GB", 16384, None, "v100-sxm2-16gb"),
    ("NVIDIA GeForce RTX 4080 SUPER", 16376, None, "rtx-4080-super"),
    ("AMD Instinct MI300X OAM", None, None, "mi300x"),
    ("NVIDIA A100-SXM4-40GB", 40960, None, "a100-40gb-sxm"),
    ("NVIDIA A100 80GB PCIe", 81920, None, "a100-80gb-pcie"),
    ("Apple M3 Max", None, None, "apple-m3-max"),
    ("Strix Halo [Radeon Graphics / Radeon 8050S Graphics / Radeon 8060S Graphics]", None,
     None, "ryzen-ai-max-395"),
]  # fmt: skip


@pytest.mark.parametrize(("printed", "mib", "fixture", "gpu_id"), PRINTED)
def test_match_gpu_on_names_tools_print(
    printed: str, mib: int | None, fixture: str | None, gpu_id: str
) -> None:
    if fixture is not None:
        assert printed in (HW / fixture).read_text(encoding="utf-8")
    spec = match_gpu(printed, mib * MIB if mib else None)
    assert spec is not None
    assert spec.id == gpu_id


@pytest.mark.parametrize(
    ("printed", "mib"),
    [
        ("NVIDIA GeForce RTX 4080 Laptop GPU", 12282),  # laptop part, not the desktop card
        ("NVIDIA GeForce RTX 2080 SUPER", 8192),  # not in the catalog; not the 2080 Ti
        ("NVIDIA GeForce ...", None),  # truncated by nvidia-smi
        ("Tesla P100-PCIE-16GB", 16384),
        ("Tesla V100-PCIE-16GB", 16384),  # the catalog has only the SXM2 V100
        ("NVIDIA GeForce RTX 3060", 8192),  # the 8 GB 3060 is not the 12 GB one
        ("Apple M1 (Virtual)", None),
        ("Apple M5 Pro", None),  # announced, not in the catalog (no sourced bandwidth)
        ("AMD INSTINCT MI200 (MCM) OAM LC MBA HPE C2", None),  # MI250 or MI250X: unsure
        ("", None),
    ],
)
def test_match_gpu_returns_none_when_unsure(printed: str, mib: int | None) -> None:
    assert match_gpu(printed, mib * MIB if mib else None) is None


def test_parse_gpus_rejects_malformed_data_in_one_line() -> None:
    with pytest.raises(CatalogError, match="not valid TOML"):
        parse_gpus("[[gpus]\nid=", origin="x.toml")
    with pytest.raises(CatalogError, match="no \\[\\[gpus\\]\\] entries"):
        parse_gpus("title = 'x'", origin="x.toml")
    bad = '[[gpus]]\nid = "g"\nname = "G"\nvendor = "nvidia"\nmemory_bytes = -1\nsource = "s"\n'
    with pytest.raises(CatalogError) as caught:
        parse_gpus(bad, origin="x.toml")
    assert "\n" not in caught.value.one_line()
    assert "memory_bytes" in caught.value.message


def test_parse_gpus_rejects_an_alias_naming_two_gpus() -> None:
    entry = '[[gpus]]\nid = "{id}"\nname = "{id}"\nvendor = "nvidia"\nmemory_bytes = 1\n'
    entry += 'source = "s"\naliases = ["Big GPU"]\n'
    with pytest.raises(CatalogError, match="would name both"):
        parse_gpus(entry.format(id="a") + entry.format(id="b"), origin="x.toml")
