"""Fit: the fast sizing agrees with estimate(), and fits leave the promised headroom."""

from __future__ import annotations

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.errors import ConfigError
from advisor.estimate import estimate
from advisor.models.estimate import Method
from advisor.models.hardware import HardwareProfile
from advisor.recommend.fit import ServeFit, serve_fit, serving_bytes, targets, training_bytes
from advisor.recommend.train_fit import TrainFit, grow_batch, train_fit
from advisor.recommend.weights import policy
from advisor.whatif import WhatIf, apply_whatif

HOST = HardwareProfile(ram_bytes=64 * 2**30)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


def _hw(*gpus: str, ram: float | None = None) -> HardwareProfile:
    return apply_whatif(WhatIf(gpus=list(gpus), cpu_only=not gpus, ram_gib=ram), HOST)


def test_serving_and_training_sizes_match_estimate_for_every_model(catalog: Catalog) -> None:
    pol = policy()
    gpu_t, cpu_t = targets(_hw("H100"), pol)
    checked = 0
    for model in catalog.models:
        try:
            arch = model.arch()
        except ConfigError:
            continue
        served = serve_fit(arch, gpu_t, cpu_t, 2048, pol)
        if isinstance(served, ServeFit):
            est = estimate(arch, served.setup, gpu=served.target.gpu)
            assert serving_bytes(arch, served.setup) == est.memory.total_bytes, model.id
        trained, _ = train_fit(arch, (Method.LORA, Method.QLORA), gpu_t, cpu_t, 512)
        if trained is not None:
            est = estimate(arch, trained.setup, gpu=trained.target.gpu)
            assert training_bytes(arch, trained.setup)[0] == est.memory.total_bytes, model.id
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("gpus", [("RTX 4090",), ("H100",), ("8x H100",), ()])
def test_every_fit_leaves_the_headroom(catalog: Catalog, gpus: tuple[str, ...]) -> None:
    pol = policy()
    gpu_t, cpu_t = targets(_hw(*gpus, ram=8 if not gpus else None), pol)
    for model in catalog.models[:120]:
        try:
            arch = model.arch()
        except ConfigError:
            continue
        served = serve_fit(arch, gpu_t, cpu_t, 4096, pol)
        if isinstance(served, ServeFit) and not served.offload_bytes:
            limit = served.target.memory_bytes * (1 - served.target.headroom)
            assert served.memory_bytes <= limit + 1, model.id
        trained, _ = train_fit(arch, (Method.FULL, Method.LORA), gpu_t, cpu_t, 512)
        if isinstance(trained, TrainFit):
            grown = grow_batch(arch, trained, 0, 16)
            assert grown.setup.batch >= trained.setup.batch
            limit = grown.target.memory_bytes * (1 - grown.target.headroom)
            assert grown.memory_bytes <= limit + 1, model.id


def test_a_70b_model_needs_several_gpus_or_quantization(catalog: Catalog) -> None:
    pol = policy()
    arch = catalog.get("llama-3.1-70b-instruct").arch()
    one = serve_fit(arch, *targets(_hw("H100"), pol), 4096, pol)
    eight = serve_fit(arch, *targets(_hw("8x H100"), pol), 4096, pol)
    assert isinstance(one, ServeFit) and isinstance(eight, ServeFit)
    # 70B in bf16 is ~141 GB: one 80 GB H100 must quantize, eight serve it in bf16.
    assert one.precision.value != "bf16"
    assert eight.precision.value == "bf16" and eight.gpus >= 2


def test_full_fine_tuning_of_14b_is_sharded_over_the_node(catalog: Catalog) -> None:
    # 14.7B × 16 B/param of mixed-precision AdamW state is ~235 GB: no single 80 GB GPU.
    pol = policy()
    arch = catalog.get("phi-4").arch()
    alone, _ = train_fit(arch, (Method.FULL,), *targets(_hw("H100"), pol), 512)
    assert alone is None or alone.engine.endswith("offload")
    gpu_t, cpu_t = targets(_hw("8x H100"), pol)
    fit, misses = train_fit(arch, (Method.FULL,), gpu_t, cpu_t, 512)
    assert fit is not None and not misses
    assert fit.engine.startswith("deepspeed-zero") or fit.engine == "fsdp"
    assert fit.setup.gpus == 8


def test_nothing_fits_reports_the_smallest_shortfall(catalog: Catalog) -> None:
    pol = policy()
    arch = catalog.get("llama-3.1-405b-instruct").arch()
    gpu_t, cpu_t = targets(_hw(ram=8), pol)
    served = serve_fit(arch, gpu_t, cpu_t, 4096, pol)
    assert not isinstance(served, ServeFit)
    assert served.needed_bytes > served.budget_bytes > 0
