"""Precision and runtimes follow what the hardware can run (gpus.toml [[architectures]]),
checked over the real catalog, every task, and many hardware profiles."""

from __future__ import annotations

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.errors import CatalogError
from advisor.export import write_exports
from advisor.gpus import architecture_of, load_architectures, load_gpus, parse_architectures
from advisor.models.estimate import Precision, Runtime
from advisor.models.hardware import HardwareProfile
from advisor.models.report import Report
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.recommend import explain, recommend
from advisor.whatif import WhatIf, apply_whatif

HOST = HardwareProfile(ram_bytes=64 * 2**30)


def hw(*gpus: str, ram: float = 64, cpu_only: bool = False) -> HardwareProfile:
    return apply_whatif(WhatIf(gpus=list(gpus), ram_gib=ram, cpu_only=cpu_only), HOST)


PROFILES = {
    "cpu-8gb": hw(ram=8, cpu_only=True),
    "rtx-3060": hw("RTX 3060"),
    "rtx-4090": hw("RTX 4090"),
    "2x-rtx-4090": hw("2x RTX 4090"),
    "t4": hw("T4"),
    "v100": hw("V100"),
    "a100-80gb": hw("A100 80GB"),
    "8x-h100": hw("8x H100"),
    "m3-max": hw("M3 Max"),
    "mi300x": hw("MI300X"),
}
NO_BF16 = ("t4", "v100")
TEXT_OUT = {
    Task.CHAT,
    Task.TEXT_GENERATION,
    Task.CODE,
    Task.QUESTION_ANSWERING,
    Task.SUMMARIZATION,
    Task.TRANSLATION,
    Task.VISION_LANGUAGE,
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


@pytest.fixture(scope="module")
def reports(catalog: Catalog) -> dict[tuple[str, Task], Report]:
    out = {}
    for name, profile in PROFILES.items():
        for task in Task:
            request = Request(task=task, data=2000, goal=Goal.BOTH, top=5)
            out[(name, task)] = recommend(request, profile, catalog)
    return out


def test_every_catalog_gpu_has_an_architecture_table() -> None:
    for spec in load_gpus():
        caps = architecture_of(spec)
        assert caps is not None, spec.id
        assert caps.vendor == spec.vendor.value, spec.id
        if spec.compute_capability and caps.compute_capability_min:
            cc = tuple(int(x) for x in spec.compute_capability.split("."))
            lo = tuple(int(x) for x in caps.compute_capability_min.split("."))
            hi = tuple(int(x) for x in (caps.compute_capability_max or "99.9").split("."))
            assert lo <= cc <= hi, spec.id


def test_every_vendor_generation_is_described() -> None:
    names = {(a.vendor, a.name) for a in load_architectures()}
    for wanted in [
        ("nvidia", "Volta"),
        ("nvidia", "Turing"),
        ("nvidia", "Ampere"),
        ("nvidia", "Ada Lovelace"),
        ("nvidia", "Hopper"),
        ("nvidia", "Blackwell"),
        ("amd", "CDNA"),
        ("amd", "CDNA 4"),
        ("amd", "RDNA 2"),
        ("amd", "RDNA 4"),
        ("apple", "Apple GPU (M1)"),
        ("apple", "Apple GPU (M5)"),
        ("intel", "Xe-HPG (Alchemist)"),
        ("intel", "Gaudi 2"),
    ]:
        assert wanted in names
    assert all(a.source for a in load_architectures())


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"vendor": "nvidia", "name": "X", "source": "s", "bf16": "yes"}, "bf16"),
        ({"vendor": "nvidia", "name": "X"}, "source"),
        ({"vendor": "acme", "name": "X", "source": "s"}, "vendor"),
        ({"vendor": "nvidia", "name": "X", "source": "s", "fp9": True}, "fp9"),
        (
            {
                "vendor": "nvidia",
                "name": "X",
                "source": "s",
                "compute_capability_min": "9.0",
                "compute_capability_max": "8.0",
            },
            "compute_capability_min",
        ),
    ],
)
def test_a_bad_architecture_table_is_one_line_naming_the_problem(
    entry: dict[str, object], problem: str
) -> None:
    with pytest.raises(CatalogError, match=problem):
        parse_architectures({"architectures": [entry]})


@pytest.mark.parametrize("name", NO_BF16)
def test_gpus_without_bf16_never_get_bf16_or_fp8(
    name: str, reports: dict[tuple[str, Task], Report]
) -> None:
    seen = 0
    for task in Task:
        for rec in reports[(name, task)].recommendations:
            inf, ft = rec.inference, rec.fine_tuning
            if inf is not None and inf.gpus:
                assert inf.precision not in (Precision.BF16, Precision.FP8), (task, rec.model.id)
                if inf.runtime is Runtime.VLLM and inf.precision is Precision.FP16:
                    assert "--dtype float16" in inf.command
                seen += 1
            if ft is not None:
                assert ft.precision is not Precision.BF16, (task, rec.model.id)
    assert seen > 20


def test_fp8_only_where_the_architecture_has_fp8(reports: dict[tuple[str, Task], Report]) -> None:
    fp8_seen = set()
    for (name, _task), report in reports.items():
        gpus = PROFILES[name].gpus
        caps = architecture_of(gpus[0]) if gpus else None
        for rec in report.recommendations:
            inf = rec.inference
            if inf is not None and inf.precision is Precision.FP8 and inf.gpus:
                assert caps is not None and caps.fp8 is True, (name, rec.model.id)
                fp8_seen.add(name)
    assert fp8_seen  # Ada/Hopper/MI300 profiles do use it


def test_int4_uses_kernels_the_device_has(reports: dict[tuple[str, Task], Report]) -> None:
    for name in ("v100", "mi300x"):
        for task in Task:
            for rec in reports[(name, task)].recommendations:
                inf = rec.inference
                if inf is not None and inf.gpus and inf.runtime is Runtime.VLLM:
                    assert inf.precision is not Precision.AWQ_INT4, (name, rec.model.id)
                    if name == "mi300x":
                        assert inf.precision is not Precision.GPTQ_INT4


def test_gpt_oss_is_served_in_its_shipped_mxfp4(reports: dict[tuple[str, Task], Report]) -> None:
    seen = 0
    for report in reports.values():
        for rec in report.recommendations:
            if rec.model.family == "gpt-oss" and rec.inference is not None:
                assert rec.inference.precision is Precision.MXFP4
                assert rec.inference.native_format
                assert "--quantization" not in rec.inference.command
                seen += 1
    assert seen


def test_unified_memory_and_cpu_prefer_a_usable_speed(
    reports: dict[tuple[str, Task], Report],
) -> None:
    """On a laptop CPU and an M3 Max each LLM row either reaches ~10 tokens/s or says that
    the fastest format that fits does not."""
    for name in ("cpu-8gb", "m3-max"):
        for task in (Task.CHAT, Task.CODE, Task.SUMMARIZATION):
            for rec in reports[(name, task)].recommendations:
                inf = rec.inference
                if inf is None or inf.runtime is not Runtime.LLAMA_CPP:
                    continue
                tps = inf.decode_tokens_per_s or 0
                assert tps >= 10 or any("below the 10 tokens/s" in r for r in rec.reasons)


def test_non_llm_models_never_get_vllm_or_llama_cpp(
    reports: dict[tuple[str, Task], Report],
) -> None:
    units = {
        Task.SPEECH_RECOGNITION: "x real-time",
        Task.TEXT_TO_SPEECH: "x real-time",
        Task.OBJECT_DETECTION: "images/s",
        Task.IMAGE_SEGMENTATION: "images/s",
        Task.IMAGE_CLASSIFICATION: "images/s",
        Task.IMAGE_GENERATION: "s/image",
        Task.EMBEDDINGS: "sequences/s",
    }
    for (name, task), report in reports.items():
        for rec in report.recommendations:
            inf = rec.inference
            if inf is None:
                continue
            if task in units:
                assert inf.runtime not in (Runtime.VLLM, Runtime.LLAMA_CPP), (name, rec.model.id)
                assert "vllm" not in inf.command and "llama-server" not in inf.command
                assert inf.speed_unit == units[task]
                assert inf.decode_tokens_per_s is None
            elif task in TEXT_OUT and inf.decode_tokens_per_s is not None:
                assert inf.speed_unit == "tokens/s"
                assert inf.speed_value == inf.decode_tokens_per_s


def test_runtime_libraries_fit_the_model(
    reports: dict[tuple[str, Task], Report], catalog: Catalog
) -> None:
    # Every detector, not only the top 5, so the YOLO records are among them.
    detectors = recommend(
        Request(task=Task.OBJECT_DETECTION, data=2000, top=100), PROFILES["rtx-4090"], catalog
    )
    engines = {
        (rec.model.family, rec.inference.engine)
        for report in [*reports.values(), detectors]
        for rec in report.recommendations
        if rec.inference is not None
    }
    by_family: dict[str, set[str | None]] = {}
    for family, engine in engines:
        by_family.setdefault(family, set()).add(engine)
    assert by_family["bark"] == {"transformers"}
    assert by_family["stable-diffusion"] == {"diffusers"}
    assert by_family["whisper"] == {"faster-whisper"}
    assert by_family["yolo"] == {"ultralytics"}


def test_no_training_plan_equals_its_serving_plan(reports: dict[tuple[str, Task], Report]) -> None:
    for report in reports.values():
        for rec in report.recommendations:
            ft, inf = rec.fine_tuning, rec.inference
            if ft is None:
                continue
            assert ft.breakdown.activations_bytes > 0, rec.model.id
            if inf is not None and inf.gpus:
                assert ft.memory_bytes != inf.memory_bytes, rec.model.id


def test_t4_exports_train_in_fp16(catalog: Catalog, tmp_path: object) -> None:
    from pathlib import Path

    request = Request(task=Task.TEXT_CLASSIFICATION, data=5000, goal=Goal.FINE_TUNE)
    report = recommend(request, PROFILES["t4"], catalog)
    trained = next(r for r in report.recommendations if r.fine_tuning is not None)
    plan = explain.export_plan(report, trained)
    assert plan is not None and plan.mixed_precision == "fp16"
    out = Path(str(tmp_path))
    write_exports(plan, out)
    text = "\n".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert "fp16" in text and "bf16=True" not in text and '"bf16"' not in text


def test_serve_commands_load_the_planned_size(reports: dict[tuple[str, Task], Report]) -> None:
    """A 16-bit or int8 plan is never loaded as fp32 (two to four times the planned memory);
    an int8 plan says how it gets to 8 bit; no-BF16 GPUs load fp16 (a CPU plan may be bf16)."""
    int8 = 0
    for (name, _task), report in reports.items():
        for rec in report.recommendations:
            inf = rec.inference
            if inf is None or "torch_dtype" not in inf.command:
                continue
            if inf.precision is not Precision.FP32:
                assert "torch.float32" not in inf.command, (name, rec.model.id)
            if inf.precision is Precision.INT8:
                int8 += 1
                assert "int8 plan" in inf.command, (name, rec.model.id)
            if name in NO_BF16 and inf.gpus:
                assert "bfloat16" not in inf.command, (name, rec.model.id)
    assert int8  # large diffusion pipelines on 24 GB are int8 plans
