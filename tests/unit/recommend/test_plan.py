"""One coherent plan per recommendation, and a headline that says where it comes from."""

from __future__ import annotations

import json

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.models.documents import document_json, document_schema
from advisor.models.hardware import HardwareProfile
from advisor.models.policy import Approach
from advisor.models.report import Report
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.whatif import WhatIf, apply_whatif

FILTER_KINDS = {"license", "language", "context", "size-unknown", "memory", "fine-tuning",
                "speed", "budget"}  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


def _hw(gpu: str, ram: int = 64) -> HardwareProfile:
    return apply_whatif(WhatIf(gpus=[gpu], ram_gib=ram), HardwareProfile(ram_bytes=None))


def _report(catalog: Catalog, gpu: str = "RTX 4090", **kw: object) -> Report:
    return recommend(Request(**kw), _hw(gpu), catalog)  # type: ignore[arg-type]


def test_the_headline_is_the_top_picks_plan_and_names_the_deciding_fact(
    catalog: Catalog,
) -> None:
    report = _report(catalog, task=Task.CHAT, data=10_000)
    top = report.recommendations[0]
    assert report.headline.model == top.model.id and report.headline.rank == 1
    assert report.strategy == top.strategy
    reason = report.headline.reason
    ft = top.fine_tuning
    assert ft is not None and report.strategy.approach.trains
    assert top.model.id in reason and "10,000 examples" in reason
    assert f"{ft.method.value} fits" in reason and "usable" in reason
    # The 24 GiB card cannot LoRA-tune gpt-oss-20b but can QLoRA it: its row's plan says so.
    oss = next(r for r in report.recommendations if r.model.id == "gpt-oss-20b")
    assert oss.strategy.approach is Approach.QLORA
    assert "lora needs" in oss.reasons[0] and "qlora fits" in oss.reasons[0]


def test_every_row_carries_its_own_plan_and_differing_rows_say_so(catalog: Catalog) -> None:
    report = _report(catalog, task=Task.CHAT, data=10_000)
    approaches = {r.strategy.approach for r in report.recommendations}
    assert {Approach.LORA, Approach.QLORA} <= approaches  # small models LoRA, larger QLoRA
    for r in report.recommendations:
        assert r.same_as_headline == (r.strategy.approach is report.strategy.approach)
        assert r.reasons[0].startswith(f"plan: {r.strategy.approach.value}")
        if not r.same_as_headline:
            assert f"(headline: {report.strategy.approach.value})" in r.reasons[0]
        ft, s = r.fine_tuning, r.settings
        if r.strategy.approach.trains and not r.fine_tuning_estimated:
            # Planned, but no activation formula sizes it (a config-less record): the recipe
            # is given, the memory is not, and the row says so.
            assert ft is None and s is not None and s.approach is r.strategy.approach
            assert any("not estimated" in why for why in r.reasons)
        elif r.strategy.approach.trains:
            assert ft is not None and s is not None
            assert ft.method is r.strategy.method and s.approach is r.strategy.approach
            assert s.per_device_batch == ft.batch_size
        else:
            assert ft is None and s is None


@pytest.mark.parametrize("goal", [Goal.BOTH, Goal.FINE_TUNE])
def test_a_model_that_cannot_fine_tune_never_makes_the_report_say_rag(
    catalog: Catalog, goal: Goal
) -> None:
    for gpu in ("RTX 3060", "RTX 4090", "T4"):
        report = _report(catalog, gpu, task=Task.CHAT, data=20_000, goal=goal)
        assert report.strategy.approach.trains, gpu
        assert report.recommendations[0].fine_tuning is not None
        flags = [r.serves_goal for r in report.recommendations]
        assert flags == sorted(flags, reverse=True), gpu


def test_every_fitting_model_is_planned_and_excluded_holds_only_filtered_ones(
    catalog: Catalog,
) -> None:
    report = _report(catalog, task=Task.CHAT, data=5000, top=2)
    assert len(report.recommendations) > 2 and report.ranked == len(report.recommendations)
    assert {e.kind for e in report.excluded} <= FILTER_KINDS
    assert not {e.model for e in report.excluded} & {r.model.id for r in report.recommendations}
    shown = report.trimmed(2)
    assert [r.rank for r in shown.recommendations] == [1, 2] and shown.ranked == report.ranked


def test_the_document_is_version_2_and_its_schema_has_the_plan_fields(catalog: Catalog) -> None:
    report = _report(catalog, task=Task.TEXT_CLASSIFICATION, data=2000)
    doc = json.loads(document_json(report))
    assert doc["schema_version"] == "2"
    assert doc["headline"]["reason"] and doc["recommendations"][0]["strategy"]["approach"]
    schema = document_schema(Report)
    assert {"headline", "ranked", "strategy"} <= set(schema["properties"])
    rec = schema["$defs"]["Recommendation"]["properties"]
    assert {"strategy", "serves_goal", "same_as_headline"} <= set(rec)
    assert schema["properties"]["schema_version"]["const"] == "2"


def test_serving_context_follows_context_within_each_models_window(catalog: Catalog) -> None:
    default = _report(catalog, task=Task.CHAT, data=0)
    asked = _report(catalog, task=Task.CHAT, data=0, context=2048)
    gen = 256
    for r in default.recommendations:
        assert r.inference is not None
        window = r.model.context_length
        assert r.inference.context_tokens + gen <= (window or 10**9)
        assert str(r.inference.context_tokens + gen) in r.inference.command or (
            "vllm" not in r.inference.command
        )
    for r in asked.recommendations:
        assert r.inference is not None
        assert r.inference.context_tokens == min(2048, r.model.context_length or 2048) - gen


def test_training_length_follows_context_and_the_memory_plan_uses_it(catalog: Catalog) -> None:
    short = _report(catalog, task=Task.SUMMARIZATION, data=5000)
    long = _report(catalog, task=Task.SUMMARIZATION, data=5000, context=8192)
    assert short.data.seq_length == 840  # the task's typical CNN/DailyMail example
    assert long.data.seq_length == 8192 and "--context" in (long.data.conversion or "")
    by_id = {r.model.id: r for r in short.recommendations}
    grew = 0
    for r in long.recommendations:
        if r.fine_tuning is None:
            continue
        window = r.model.context_length or 8192
        assert r.fine_tuning.seq_length == min(8192, window)
        old = by_id.get(r.model.id)
        if old and old.fine_tuning and old.fine_tuning.method is r.fine_tuning.method:
            same_batch = r.fine_tuning.batch_size == old.fine_tuning.batch_size
            before = old.fine_tuning.breakdown.activations_bytes
            if same_batch and window > 840 and before:  # some estimates have no activations
                assert r.fine_tuning.breakdown.activations_bytes > before
                grew += 1
    assert grew


def test_settings_follow_the_recipe_for_the_models_kind(catalog: Catalog) -> None:
    tr = _report(catalog, task=Task.TRANSLATION, data=20_000, source_lang="en", target_lang="de")
    for r in tr.recommendations:
        if r.settings is None:
            continue
        recipe = r.settings.reasons["recipe"]
        if r.model.family in ("llama", "qwen", "mistral", "gemma", "phi"):
            assert recipe.startswith("the generative recipe")  # an LLM trains like an LLM
            assert r.settings.label_smoothing == 0.0
        if r.settings.approach is Approach.FULL and "seq2seq" in recipe:
            assert r.settings.learning_rate == 3e-5
    det = _report(catalog, "A100 80GB", task=Task.OBJECT_DETECTION, data=5000)
    lrs = {r.settings.learning_rate for r in det.recommendations if r.settings}
    assert lrs and 2e-5 not in lrs  # DETR's 1e-4, not the image-classifier rate
    seg = _report(catalog, "A100 80GB", task=Task.IMAGE_SEGMENTATION, data=5000)
    full = [r.settings for r in seg.recommendations if r.settings and r.settings.approach.trains]
    assert full and all(s.reasons["recipe"].startswith("the segmentation recipe") for s in full)


@pytest.mark.parametrize("data", [150, 2000, 50_000, 2_000_000])
def test_evaluation_is_frequent_enough_for_early_stopping_to_fire(
    catalog: Catalog, data: int
) -> None:
    report = _report(catalog, task=Task.TEXT_CLASSIFICATION, data=data)
    for r in report.recommendations:
        s = r.settings
        if s is None or s.early_stopping is None:
            continue
        assert s.eval_strategy == "steps" and s.eval_steps is not None
        train = data - round(data * s.validation_fraction)
        total = -(-train // s.effective_batch) * s.epochs
        evaluations = total // s.eval_steps
        assert evaluations >= min(total, s.early_stopping.patience + 1)
        assert evaluations >= min(total, 4 * s.early_stopping.patience)


def test_a_method_reported_as_not_fitting_needs_more_than_it_may_use(catalog: Catalog) -> None:
    for gpu in ("RTX 3060", "2x RTX 4090", "T4"):
        report = _report(catalog, gpu, task=Task.CHAT, data=50_000)
        for r in report.recommendations:
            for m in r.fine_tuning.methods_tried if r.fine_tuning else []:
                if not m.fits:
                    assert m.memory_bytes > m.available_bytes, m.detail


def test_cli_tui_and_json_say_the_same_headline(catalog: Catalog) -> None:
    from rich.console import Console

    from advisor.cli.recommend_view import render
    from advisor.tui.present import report_summary

    full = _report(catalog, task=Task.CHAT, data=10_000)
    other = next(r for r in full.recommendations if not r.same_as_headline)
    report = full.trimmed(other.rank)
    console = Console(record=True, width=400, highlight=False)
    render(report, console)
    printed = console.export_text()
    reason = report.headline.reason
    assert reason in printed
    assert f"Strategy: {report.strategy.approach.value}, the plan of {report.headline.model}" in (
        printed
    )
    assert f"≠ {other.strategy.approach.value}" in printed  # a row with its own plan is marked
    assert reason in report_summary(report).plain
    assert json.loads(document_json(report))["headline"]["reason"] == reason


def test_exporting_a_row_writes_that_rows_own_plan(catalog: Catalog) -> None:
    from advisor.recommend.explain import export_plan

    report = _report(catalog, task=Task.CHAT, data=10_000)
    other = next(r for r in report.recommendations if not r.same_as_headline)
    plan = export_plan(report, other)
    assert plan is not None and plan.approach is other.strategy.approach
    assert plan.settings == other.settings
    top = export_plan(report)
    assert top is not None and top.approach is report.strategy.approach


def test_an_encoder_is_served_over_its_whole_window(catalog: Catalog) -> None:
    """Encoders generate nothing, so no answer tokens are taken off their window."""
    from advisor.models.arch import ArchType

    report = _report(catalog, task=Task.TEXT_CLASSIFICATION, data=0)
    encoders = [
        r
        for r in report.recommendations
        if catalog.get(r.model.id).architecture is ArchType.ENCODER and r.model.context_length
    ]
    assert encoders
    for r in encoders:
        assert r.inference is not None and r.model.context_length is not None
        assert r.inference.context_tokens == min(r.model.context_length, 4096 + 256)


def test_a_cpu_headline_names_why_training_was_ruled_out(catalog: Catalog) -> None:
    hw = apply_whatif(WhatIf(cpu_only=True, ram_gib=16), HardwareProfile(ram_bytes=None))
    request = Request(task=Task.SPEECH_RECOGNITION, data=20, data_unit="hours")
    report = recommend(request, hw, catalog)
    assert not report.strategy.approach.trains
    assert "too large to train on CPU" in report.headline.reason
    assert "falling back" not in report.headline.reason


def test_a_plan_the_estimators_cannot_size_keeps_its_recipe_and_claims_no_fit(
    catalog: Catalog,
) -> None:
    """Diffusion fine-tuning has no activation formula yet: the row keeps its LoRA/QLoRA
    strategy and settings, shows no memory plan, does not count as serving --goal both, and
    the headline says the memory is not estimated rather than that it fits."""
    report = _report(catalog, task=Task.IMAGE_GENERATION, data=30)
    unsized = [r for r in report.recommendations if not r.fine_tuning_estimated]
    assert unsized
    for r in unsized:
        assert r.strategy.approach.trains and r.settings is not None
        assert r.fine_tuning is None and not r.serves_goal
        assert any("weights alone" in why for why in r.strategy.reasons)
    reason = report.headline.reason
    assert "not estimated" in reason and "is the best-ranked model whose plan" not in reason
