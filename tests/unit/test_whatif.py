"""What-if hardware flags: parsing --gpu values and building the profile advisor plans for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import InvalidValueError, UnknownGpuError
from advisor.models.hardware import CpuInfo, GpuInfo, HardwareProfile, Vendor
from advisor.whatif import WhatIf, apply_whatif, parse_gpu_expr

GIB = 1024**3

HOST = HardwareProfile(
    cpu=CpuInfo(name="Test CPU", cores=8),
    ram_bytes=32 * GIB,
    ram_total_bytes=32 * GIB,
    ram_available_bytes=20 * GIB,
    gpus=[
        GpuInfo(
            name="NVIDIA GeForce RTX 3090",
            vendor=Vendor.NVIDIA,
            memory_bytes=24 * GIB,
            source="nvml",
            indices=[0],
        )
    ],
)


@pytest.mark.parametrize(
    ("text", "gpu_id", "count"),
    [
        ("RTX 4090", "rtx-4090", 1),
        ("2x RTX 4090", "rtx-4090", 2),
        ("8xH100", "h100-sxm", 8),
        ("H100 x8", "h100-sxm", 8),
        ("4 x A100 40GB", "a100-40gb-sxm", 4),
        ("7900 XTX", "rx-7900-xtx", 1),  # an "x" in the name is not a count
        ("2x 7900 XTX", "rx-7900-xtx", 2),
        ("RX 7900 XT x2", "rx-7900-xt", 2),
        ("1024x MI300X", "mi300x", 1024),
    ],
)
def test_parse_gpu_expr(text: str, gpu_id: str, count: int) -> None:
    spec, parsed = parse_gpu_expr(text)
    assert (spec.id, parsed) == (gpu_id, count)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x4090", "count before 'x' is missing"),
        ("0x H100", "must be 1 to 131072"),
        ("-2x A100", "must be 1 to 131072"),
        ("200000x H100", "must be 1 to 131072"),
        ("2x", "no GPU name"),
        ("2x H100 x4", "count twice"),
        ("", "empty"),
    ],
)
def test_malformed_gpu_expr_is_a_one_line_usage_error(text: str, fragment: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        parse_gpu_expr(text)
    assert fragment in caught.value.message
    assert caught.value.exit_code == 2
    assert "\n" not in caught.value.one_line()
    assert caught.value.hint is None or "2x RTX 4090" in caught.value.hint


def test_unknown_gpu_in_an_expression() -> None:
    with pytest.raises(UnknownGpuError, match="RTX 9999"):
        parse_gpu_expr("2x RTX 9999")


@given(
    count=st.integers(min_value=1, max_value=1024),
    name=st.sampled_from(["RTX 4090", "H100", "A100 40GB", "M3 Max", "MI300X"]),
    form=st.sampled_from(
        ["{n}x {name}", "{n}x{name}", "{n} x {name}", "{name} x{n}", "{name} x {n}"]
    ),
)
def test_any_count_form_parses_to_its_count(count: int, name: str, form: str) -> None:
    spec, parsed = parse_gpu_expr(form.format(n=count, name=name))
    assert parsed == count
    assert spec == parse_gpu_expr(name)[0]


def test_empty_whatif_keeps_detection() -> None:
    assert WhatIf().is_empty()
    assert apply_whatif(WhatIf(), HOST) is HOST


def test_two_rtx_4090() -> None:
    profile = apply_whatif(WhatIf(gpus=["2x RTX 4090"]), HOST)
    assert profile.what_if
    assert profile.gpu_count == 2
    (gpu,) = profile.gpus
    assert gpu.count == 2
    assert gpu.memory_bytes == 24 * GIB
    assert gpu.source == "what-if"
    assert gpu.spec_id == "rtx-4090"
    assert gpu.bf16_tflops == pytest.approx(165.2)
    assert gpu.memory_bandwidth_bytes_per_s == pytest.approx(1008e9)
    assert gpu.fp8 is True
    assert gpu.compute_capability == "8.9"
    assert profile.ram_bytes == 32 * GIB  # the host's RAM stands
    assert profile.cpu == HOST.cpu


def test_h100_with_gpu_count_8() -> None:
    profile = apply_whatif(WhatIf(gpus=["H100"], gpu_count=8), HOST)
    (gpu,) = profile.gpus
    assert (gpu.spec_id, gpu.count, gpu.memory_bytes) == ("h100-sxm", 8, 80 * GIB)
    assert gpu.hourly_usd is not None


def test_gpu_count_consistent_with_the_name_is_accepted() -> None:
    profile = apply_whatif(WhatIf(gpus=["8x H100"], gpu_count=8), HOST)
    assert profile.gpu_count == 8


@pytest.mark.parametrize(
    "whatif",
    [
        WhatIf(gpus=["2x H100"], gpu_count=4),
        WhatIf(gpus=["H100", "A100"], gpu_count=3),
        WhatIf(cpu_only=True, gpus=["H100"]),
        WhatIf(cpu_only=True, vram_gib=24),
        WhatIf(cpu_only=True, gpu_count=2),
        WhatIf(gpus=["H100"], gpu_count=0),
        WhatIf(gpus=["H100"], gpu_count=200_000),
        WhatIf(vram_gib=0),
        WhatIf(vram_gib=-8),
        WhatIf(ram_gib=0),
        WhatIf(gpus=["H100"], vram_gib=float("nan")),
    ],
)
def test_contradictory_or_out_of_range_flags_are_usage_errors(whatif: WhatIf) -> None:
    with pytest.raises(InvalidValueError):
        apply_whatif(whatif, HOST)


def test_several_gpus_are_grouped() -> None:
    whatif = WhatIf(gpus=["H100", "2x RTX 4090", "H100"], gpu_count=4)
    profile = apply_whatif(whatif, HOST)
    assert sorted((g.spec_id, g.count) for g in profile.gpus) == [("h100-sxm", 2), ("rtx-4090", 2)]


def test_vram_alone_is_a_generic_gpu() -> None:
    profile = apply_whatif(WhatIf(vram_gib=24), HOST)
    (gpu,) = profile.gpus
    assert gpu.name == "what-if GPU (24 GiB)"
    assert gpu.memory_bytes == 24 * GIB
    assert gpu.vendor is Vendor.NVIDIA
    assert gpu.memory_bandwidth_bytes_per_s is None
    assert gpu.bf16_tflops is None
    assert gpu.spec_id is None


def test_vram_overrides_the_catalog_memory() -> None:
    profile = apply_whatif(WhatIf(gpus=["RTX 4090"], vram_gib=20), HOST)
    assert profile.gpus[0].memory_bytes == 20 * GIB
    assert profile.gpus[0].spec_id == "rtx-4090"


def test_cpu_only_drops_every_gpu() -> None:
    profile = apply_whatif(WhatIf(cpu_only=True), HOST)
    assert profile.gpus == []
    assert profile.what_if
    assert profile.ram_bytes == HOST.ram_bytes


def test_ram_alone_keeps_the_detected_gpus() -> None:
    profile = apply_whatif(WhatIf(ram_gib=64), HOST)
    assert profile.gpus == HOST.gpus
    assert profile.ram_bytes == 64 * GIB
    assert profile.ram_available_bytes is None  # unknown on a machine we imagine


def test_gpu_count_alone_multiplies_the_detected_gpu() -> None:
    profile = apply_whatif(WhatIf(gpu_count=4), HOST)
    assert profile.gpu_count == 4
    assert profile.gpus[0].name == "NVIDIA GeForce RTX 3090"
    with pytest.raises(InvalidValueError, match="no GPU"):
        apply_whatif(WhatIf(gpu_count=4), HOST.model_copy(update={"gpus": []}))


def test_m3_max_with_ram_64() -> None:
    profile = apply_whatif(WhatIf(gpus=["M3 Max"], ram_gib=64), HOST)
    (gpu,) = profile.gpus
    assert gpu.unified_memory
    assert gpu.vendor is Vendor.APPLE
    assert gpu.memory_bytes == 64 * GIB
    assert profile.ram_bytes == 64 * GIB


def test_m3_max_without_ram_uses_the_default_configuration_for_both() -> None:
    profile = apply_whatif(WhatIf(gpus=["M3 Max"]), HOST)
    assert profile.gpus[0].memory_bytes == 36 * GIB
    assert profile.ram_bytes == 36 * GIB  # unified: the Mac's RAM, not this host's
