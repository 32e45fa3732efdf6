"""Issue 11 regressions over the real catalog: an encoder with labelled data is fine-tuned
(never prompted), and ``--context`` is a constraint a recommendation's window must meet."""

from __future__ import annotations

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.models.arch import ArchType
from advisor.models.catalog import ModelSpec
from advisor.models.hardware import HardwareProfile
from advisor.models.policy import Approach
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.recommend.strategy import plan_strategy
from advisor.whatif import WhatIf, apply_whatif

HOST = HardwareProfile(ram_bytes=64 * 2**30)
CPU16 = apply_whatif(WhatIf(cpu_only=True, ram_gib=16), HOST)
RTX4090 = apply_whatif(WhatIf(gpus=["RTX 4090"]), HOST)
T4 = apply_whatif(WhatIf(gpus=["T4"]), HOST)
NOT_TRAINED = {Approach.PROMPTING, Approach.FEW_SHOT}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


def _window(spec: ModelSpec) -> int | None:
    """The window the catalog states: ``context_length``, else the config's learned position
    table (BART's 1,024)."""
    return spec.context_length or (spec.config or {}).get("max_position_embeddings")


def _specs(catalog: Catalog, task: Task) -> dict[str, ModelSpec]:
    return {m.id: m for m in catalog.for_task(task)}


def test_german_ner_on_a_cpu_fine_tunes_xlm_roberta_large(catalog: Catalog) -> None:
    """The reported case: 800 labelled German sentences, no GPU, 16 GB of RAM."""
    request = Request(task=Task.TOKEN_CLASSIFICATION, data=800, languages=["de"])
    report = recommend(request, CPU16, catalog)
    large = next(r for r in report.recommendations if r.model.id == "xlm-roberta-large")
    assert large.strategy.approach is Approach.LINEAR_PROBE
    assert large.fine_tuning is not None and large.fine_tuning.fits
    assert report.strategy.approach.trains


@pytest.mark.parametrize("hardware", [CPU16, RTX4090, T4], ids=["cpu16", "4090", "t4"])
@pytest.mark.parametrize("task", [Task.TEXT_CLASSIFICATION, Task.TOKEN_CLASSIFICATION])
@pytest.mark.parametrize("data", [50, 800, 5000])
def test_encoders_with_labelled_data_are_never_prompted(
    catalog: Catalog, hardware: HardwareProfile, task: Task, data: int
) -> None:
    report = recommend(Request(task=task, data=data), hardware, catalog)
    specs = _specs(catalog, task)
    encoders = [
        r for r in report.recommendations if specs[r.model.id].architecture is ArchType.ENCODER
    ]
    assert encoders, "the catalog has encoders for both tasks"
    for rec in encoders:
        assert rec.strategy.approach not in NOT_TRAINED, (rec.model.id, rec.strategy.reasons)


@pytest.mark.parametrize("params", [300_000_000, 560_000_000, 1_500_000_000])
@pytest.mark.parametrize("has_gpu", [False, True])
def test_encoder_plans_never_step_back_as_data_grows(params: int, has_gpu: bool) -> None:
    ladder = [0, 1, 50, 99, 100, 800, 999, 1000, 5000, 99_999, 100_000, 10_000_000]
    approaches = [
        plan_strategy(
            Task.TEXT_CLASSIFICATION, n, model_params=params, task_model=False,
            knowledge_heavy=False, fits={}, goal="both", has_gpu=has_gpu, encoder=True,
        ).approach
        for n in ladder
    ]  # fmt: skip
    ambition = [a.ambition for a in approaches]
    assert ambition == sorted(ambition), list(zip(ladder, approaches, strict=True))
    assert all(a not in NOT_TRAINED for a in approaches[1:])


@pytest.mark.parametrize(
    ("task", "context"),
    [(Task.SUMMARIZATION, 8192), (Task.SUMMARIZATION, 2048), (Task.TEXT_CLASSIFICATION, 1024)],
)
def test_every_recommendation_reads_the_requested_context(
    catalog: Catalog, task: Task, context: int
) -> None:
    report = recommend(Request(task=task, data=5000, context=context), RTX4090, catalog)
    assert report.recommendations
    specs = _specs(catalog, task)
    known = [_window(specs[r.model.id]) for r in report.recommendations]
    for rec, size in zip(report.recommendations, known, strict=True):
        assert size is None or size >= context, (rec.model.id, size)
    # a model with an unstated window never ranks above one known to reach the context
    first_unknown = next((i for i, size in enumerate(known) if size is None), len(known))
    assert all(size is None for size in known[first_unknown:])


def test_bart_xsum_is_excluded_for_8k_with_both_numbers(catalog: Catalog) -> None:
    request = Request(task=Task.SUMMARIZATION, data=5000, context=8192)
    report = recommend(request, RTX4090, catalog)
    assert all(r.model.id != "bart-large-xsum" for r in report.recommendations)
    drop = next(e for e in report.excluded if e.model == "bart-large-xsum")
    assert "1,024" in drop.reason and "8,192" in drop.reason
