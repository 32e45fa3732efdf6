"""QLoRA and bitsandbytes' optimizers are planned only where bitsandbytes runs (issue 11 item 4),
over the real shipped catalog and the sweep's machines."""

from __future__ import annotations

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.gpus import load_architectures
from advisor.models.estimate import Method, Optimizer, Precision
from advisor.models.report import Report
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.recommend.sweep import profile

BNB_OPTIMIZERS = {Optimizer.ADAMW_8BIT, Optimizer.PAGED_ADAMW, Optimizer.PAGED_ADAMW_8BIT}
TASKS = (Task.CODE, Task.CHAT, Task.SUMMARIZATION, Task.TEXT_CLASSIFICATION)
DATA = (1_000, 10_000, 100_000, 1_000_000)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


def _reports(machine: str, catalog: Catalog) -> list[Report]:
    hw = profile(machine)
    return [recommend(Request(task=t, data=n), hw, catalog) for t in TASKS for n in DATA]


def _uses_bitsandbytes(report: Report) -> list[str]:
    out = []
    for r in report.recommendations:
        ft, st = r.fine_tuning, r.settings
        if r.strategy.method is Method.QLORA or (ft is not None and ft.method is Method.QLORA):
            out.append(f"{r.model.id}: qlora")
        if ft is not None and ft.precision is Precision.NF4:
            out.append(f"{r.model.id}: nf4 base")
        if st is not None and st.optimizer in BNB_OPTIMIZERS:
            out.append(f"{r.model.id}: {st.optimizer.value}")
    return out


@pytest.mark.parametrize("machine", ["M3 Max", "CPU 8 GB"])
def test_no_plan_needs_bitsandbytes_where_it_does_not_run(machine: str, catalog: Catalog) -> None:
    reports = _reports(machine, catalog)
    assert sum(len(r.recommendations) for r in reports) > 50
    assert [hit for rep in reports for hit in _uses_bitsandbytes(rep)] == []


def test_the_m3_max_code_plan_says_why_qlora_is_skipped(catalog: Catalog) -> None:
    """The issue's request: a model whose 16-bit LoRA does not fit steps down to freeze, and
    the reason names bitsandbytes rather than claiming QLoRA does not fit."""
    report = recommend(Request(task=Task.CODE, data=10_000), profile("M3 Max"), catalog)
    reasons = [x for r in report.recommendations for x in r.strategy.reasons]
    skipped = [x for x in reasons if x.startswith("QLoRA skipped")]
    assert skipped, "no model on the M3 Max needed the QLoRA step"
    assert all("bitsandbytes 4-bit does not run on Apple GPUs" in x for x in skipped)


def test_qlora_is_still_planned_on_an_rtx_4090(catalog: Catalog) -> None:
    reports = _reports("RTX 4090", catalog)
    qlora = [
        r
        for rep in reports
        for r in rep.recommendations
        if r.fine_tuning is not None and r.fine_tuning.method is Method.QLORA
    ]
    assert qlora, "QLoRA vanished from the RTX 4090 plans"
    assert all(r.fine_tuning and r.fine_tuning.precision is Precision.NF4 for r in qlora)
    assert all(r.settings is not None and r.settings.optimizer in BNB_OPTIMIZERS for r in qlora)
    assert not any("QLoRA skipped" in x for r in qlora for x in r.strategy.reasons)


def test_the_capability_is_sourced_for_nvidia_and_apple_and_left_unknown_elsewhere() -> None:
    archs = load_architectures()
    by_vendor: dict[str, set[bool | None]] = {}
    for a in archs:
        by_vendor.setdefault(a.vendor, set()).add(a.bnb_4bit)
    assert by_vendor["nvidia"] == {True}
    assert by_vendor["apple"] == {False}
    assert by_vendor["amd"] == {None}
    assert by_vendor["intel"] == {None}
    assert all("bitsandbytes" in a.source for a in archs if a.bnb_4bit is not None)
