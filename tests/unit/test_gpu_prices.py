"""Rental prices in the shipped GPU catalog, the late-2026 accelerators, and the price a cost
names (``advisor.pricing``)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from advisor.estimate import estimate
from advisor.gpus import find_gpu, load_gpus, match_gpu
from advisor.models.estimate import EstimateSetup, Method, Mode
from advisor.models.hardware import GpuInfo, GpuSpec, HardwareProfile, Vendor
from advisor.pricing import PRICE_PREFIX, price_assumption
from advisor.whatif import WhatIf, apply_whatif
from tests.conftest import FIXTURES
from tests.unit.estimate.archs import llama2_7b

MIB = 1024**2
HW = FIXTURES / "hardware"
PRICED = [s for s in load_gpus() if s.hourly_usd is not None]


def by_id(gpu_id: str) -> GpuSpec:
    return next(spec for spec in load_gpus() if spec.id == gpu_id)


def test_at_least_20_accelerators_have_a_price() -> None:
    assert len(PRICED) >= 20


@pytest.mark.parametrize("spec", PRICED, ids=lambda s: s.id)
def test_every_price_says_whose_list_when_and_where(spec: GpuSpec) -> None:
    assert spec.price_provider, spec.id
    assert spec.price_date is not None and date(2026, 1, 1) <= spec.price_date <= date.today()
    assert spec.price_source is not None and spec.price_source.startswith("https://")
    # The notes name the public transcription the price was read from, with the same figure.
    assert spec.notes is not None and f"Price: ${spec.hourly_usd}/GPU-hour" in spec.notes


def test_price_fields_never_come_without_a_price() -> None:
    for spec in load_gpus():
        if spec.hourly_usd is None:
            assert spec.price_provider is None and spec.price_date is None, spec.id
            assert spec.price_source is None, spec.id


def test_most_prices_come_from_one_list_on_one_day_so_they_compare() -> None:
    (_, most), *_ = Counter((s.price_provider, s.price_date) for s in PRICED).most_common(1)
    assert most >= 9
    assert most * 2 >= len(PRICED) - 2


def test_undated_secondary_prices_are_gone() -> None:
    for spec in load_gpus():
        assert "techbytes" not in (spec.notes or ""), spec.id


@pytest.mark.parametrize(
    ("typed", "gpu_id"),
    [
        ("RTX PRO 6000", "rtx-pro-6000-blackwell"),
        ("NVIDIA RTX PRO 6000 Blackwell", "rtx-pro-6000-blackwell"),
        ("RTX PRO 6000 Server Edition", "rtx-pro-6000-blackwell-server"),
        ("B300", "b300"),
        ("GB300", "gb300"),
        ("H800", "h800-sxm"),
        ("A800", "a800-80gb-sxm"),
        ("A800 40GB", "a800-40gb-pcie"),
        ("MI355X", "mi355x"),
        ("AMD Instinct MI350X", "mi350x"),
        ("5070 Ti", "rtx-5070-ti"),
        ("RTX 5060 Ti 16GB", "rtx-5060-ti-16gb"),
        ("R9700", "radeon-ai-pro-r9700"),
        ("Jetson AGX Thor", "jetson-agx-thor"),
        ("M5", "apple-m5"),
        ("M5 Max", "apple-m5-max"),
    ],
)
def test_names_people_type_for_the_new_parts(typed: str, gpu_id: str) -> None:
    assert find_gpu(typed).id == gpu_id


def test_5070_and_5070_ti_stay_apart() -> None:
    assert find_gpu("5070").id == "rtx-5070"
    assert match_gpu("NVIDIA GeForce RTX 5070 Ti", 16303 * MIB).id == "rtx-5070-ti"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("printed", "mib", "gpu_id"),
    [
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", 97887, "rtx-pro-6000-blackwell"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition", 97887, "rtx-pro-6000-blackwell-server"),
        ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", 97887, None),  # 300 W part
        ("NVIDIA GeForce RTX 5060 Ti", 16311, "rtx-5060-ti-16gb"),
        ("NVIDIA GeForce RTX 5060 Ti", 8151, None),  # the 8 GB card is not in the catalog
        ("NVIDIA A800-SXM4-80GB", 81920, "a800-80gb-sxm"),
        ("NVIDIA A800 80GB PCIe", 81920, None),  # a variant the catalog lacks
        ("NVIDIA H800", 81559, "h800-sxm"),
        ("NVIDIA H800 PCIe", 81559, None),
        ("Navi 48 [Radeon AI PRO R9700]", 32768, "radeon-ai-pro-r9700"),
        ("AMD Instinct MI355X", None, "mi355x"),
    ],
)
def test_names_tools_print_for_the_new_parts(
    printed: str, mib: int | None, gpu_id: str | None
) -> None:
    spec = match_gpu(printed, mib * MIB if mib else None)
    assert (spec.id if spec else None) == gpu_id


@pytest.mark.parametrize(
    ("fixture", "pattern", "gpu_id"),
    [
        ("system_profiler-SPHardwareDataType-json/m5max-128gb.json", r'"chip_type" : "([^"]+)"',
         "apple-m5-max"),
        ("sysctl/m5-24gb-tahoe.txt", r"machdep\.cpu\.brand_string: (.+)", "apple-m5"),
    ],
)  # fmt: skip
def test_real_apple_m5_machines_match(fixture: str, pattern: str, gpu_id: str) -> None:
    found = re.search(pattern, (HW / fixture).read_text(encoding="utf-8"))
    assert found is not None
    spec = match_gpu(found.group(1).strip())
    assert spec is not None and spec.id == gpu_id


@pytest.mark.parametrize(
    ("gpu_id", "architecture"),
    [
        ("b300", "Blackwell Ultra"),
        ("gb300", "Blackwell Ultra"),
        ("mi350x", "CDNA 4"),
        ("mi355x", "CDNA 4"),
        ("radeon-ai-pro-r9700", "RDNA 4"),
        ("apple-m5", "Apple GPU (M5)"),
        ("h800-sxm", "Hopper"),
        ("a800-80gb-sxm", "Ampere"),
        ("jetson-agx-thor", "Blackwell"),
    ],
)
def test_new_parts_name_their_generation(gpu_id: str, architecture: str) -> None:
    assert by_id(gpu_id).architecture == architecture


def test_export_variants_keep_the_memory_and_speed_of_the_part_they_derive_from() -> None:
    for variant, base in (("h800-sxm", "h100-sxm"), ("a800-80gb-sxm", "a100-80gb-sxm")):
        v, b = by_id(variant), by_id(base)
        assert (v.memory_bytes, v.memory_bandwidth_bytes_per_s) == (
            b.memory_bytes,
            b.memory_bandwidth_bytes_per_s,
        )
        assert (v.bf16_tflops, v.fp8_tflops) == (b.bf16_tflops, b.fp8_tflops)


def test_a10g_bandwidth_is_known_and_equals_the_a10s() -> None:
    a10g = by_id("a10g")
    assert a10g.memory_bandwidth_bytes_per_s is not None
    assert a10g.memory_bandwidth_bytes_per_s == by_id("a10").memory_bandwidth_bytes_per_s


def test_unified_parts_among_the_new_ones() -> None:
    for gpu_id in ("jetson-agx-thor", "apple-m5", "apple-m5-max"):
        assert by_id(gpu_id).unified_memory, gpu_id
    assert not by_id("rtx-pro-6000-blackwell").unified_memory


def _whatif_gpu(name: str) -> GpuInfo:
    return apply_whatif(WhatIf(gpus=[name]), HardwareProfile()).gpus[0]


def test_price_assumption_names_price_provider_and_date() -> None:
    spec = find_gpu("H100")
    assert spec.hourly_usd is not None and spec.price_provider and spec.price_date
    text = price_assumption(_whatif_gpu("H100"))
    assert text is not None and text.startswith(PRICE_PREFIX)
    assert f"${spec.hourly_usd:.2f}/GPU-hour" in text
    assert spec.price_provider in text and spec.price_date.isoformat() in text


def test_no_price_no_assumption_and_an_unknown_origin_is_said() -> None:
    assert price_assumption(_whatif_gpu("T4")) is None
    assert price_assumption(None) is None
    bare = GpuInfo(name="x", vendor=Vendor.NVIDIA, hourly_usd=2.0, source="what-if")
    assert price_assumption(bare) == f"{PRICE_PREFIX}$2.00/GPU-hour (source of the price unknown)"


def test_estimate_states_the_price_its_cost_used() -> None:
    gpu = _whatif_gpu("H200")
    setup = EstimateSetup(mode=Mode.TRAINING, method=Method.LORA, seq=2, tokens=100_000_000)
    e = estimate(llama2_7b(), setup, gpu=gpu)
    assert e.cost_usd is not None and e.epoch_time_s is not None
    stated = [a for a in e.assumptions if a.startswith(PRICE_PREFIX)]
    assert stated == [price_assumption(gpu)]
    price = float(re.search(r"\$([\d.]+)/GPU-hour", stated[0]).group(1))  # type: ignore[union-attr]
    assert e.cost_usd == pytest.approx(e.epoch_time_s / 3600 * price, rel=0.01)


def test_estimate_without_a_cost_states_no_price() -> None:
    e = estimate(llama2_7b(), EstimateSetup(seq=8, gen=8), gpu=_whatif_gpu("H200"))
    assert e.cost_usd is None
    assert not any(a.startswith(PRICE_PREFIX) for a in e.assumptions)
