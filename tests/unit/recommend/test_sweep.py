"""The recommender's promises over the real shipped catalog: a seeded subset of the sweep
``bench/sweep.py`` runs whole (every task, 8 machines, every goal and data unit)."""

from __future__ import annotations

import random

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.recommend.sweep import (
    PROFILES,
    Case,
    SweepResult,
    check_report,
    compare,
    profile,
    run_case,
    units,
)

SEED = 11


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


def _cases(catalog: Catalog) -> list[Case]:
    """Every task twice, on machines and goals drawn by seed; every machine at least 4 times."""
    rng = random.Random(SEED)
    names = list(PROFILES)
    rng.shuffle(names)
    out: list[Case] = []
    for i, task in enumerate([*Task, *Task]):
        unit, per = rng.choice(units(task, catalog))
        out.append((task, names[i % len(names)], rng.choice(list(Goal)), unit, per))
    return out


def test_a_seeded_sweep_over_the_real_catalog_breaks_no_promise(catalog: Catalog) -> None:
    result = SweepResult()
    for case in _cases(catalog):
        run_case(case, catalog, result)
    assert result.profiles == set(PROFILES)
    assert len({r[0] for r in result.requests}) == len(Task)
    assert result.reports > 800
    assert result.violations == []


def test_the_checks_catch_a_headline_that_steps_back(catalog: Catalog) -> None:
    """The sweep's comparison is not vacuous: a report for more data whose plan is less
    ambitious is reported."""
    hw = profile("RTX 4090")
    more = recommend(Request(task=Task.CHAT, data=50_000), hw, catalog)
    less = recommend(Request(task=Task.CHAT, data=0), hw, catalog)
    found = compare(more, less, "swapped")
    assert any(v.check == "ambition" and "headline" in v.detail for v in found)
    assert check_report(more, "ok") == []


def test_every_machine_in_the_issue_is_swept() -> None:
    wanted = {"CPU 8 GB", "RTX 3060", "RTX 4090", "2x RTX 4090", "T4", "A100-80GB", "8x H100"}
    assert wanted | {"M3 Max"} == set(PROFILES)
    assert profile("8x H100").gpus[0].count == 8
    assert profile("M3 Max").gpus[0].unified_memory
    assert not profile("CPU 8 GB").gpus
