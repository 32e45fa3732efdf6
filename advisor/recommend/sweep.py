"""Check the recommender's promises over the real catalog, many machines and a data ladder.

``sweep(tasks, profiles, catalog, *, goals, sample=None, seed=0) -> SweepResult`` runs
``recommend`` for every task × hardware profile × data unit × data size on the ladder and checks,
between each data size and the next larger one:

* **ambition**: no model's approach, and not the headline's, steps back (``Approach.ambition``:
  prompting < few-shot/RAG < linear probe < freeze < LoRA/QLoRA/distillation < full);
* **settings**: for a model whose plan trains at both sizes, epochs never rise with more data;
  weight decay, dropout (of the same kind), label smoothing and the validation share never fall
  with less data; early-stopping patience and LoRA rank never fall with more data;

and, in every report:

* **headline**: the headline strategy is the top pick's own plan;
* **coherence**: each row's method, fine-tuning fit and settings belong to its own approach;
* **truth**: a method or a model reported as not fitting needs more memory than it may use.

``bench/sweep.py`` runs it all; ``tests/unit/recommend/test_sweep.py`` a seeded sample.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from advisor.catalog.store import Catalog
from advisor.models.catalog import DataUnit
from advisor.models.hardware import HardwareProfile
from advisor.models.report import Recommendation, Report
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.whatif import WhatIf, apply_whatif

PROFILES: dict[str, WhatIf] = {
    "CPU 8 GB": WhatIf(cpu_only=True, ram_gib=8),
    "RTX 3060": WhatIf(gpus=["RTX 3060"], ram_gib=32),
    "RTX 4090": WhatIf(gpus=["RTX 4090"], ram_gib=64),
    "2x RTX 4090": WhatIf(gpus=["2x RTX 4090"], ram_gib=128),
    "T4": WhatIf(gpus=["T4"], ram_gib=16),
    "A100-80GB": WhatIf(gpus=["A100 80GB"], ram_gib=256),
    "8x H100": WhatIf(gpus=["8x H100"], ram_gib=1024),
    "M3 Max": WhatIf(gpus=["M3 Max"]),
}
"""The machines the sweep plans on (a what-if over an empty host)."""

TOP = 10_000
"""Rows kept per report: all of them."""


@dataclass(frozen=True)
class Violation:
    """One broken promise, with where it happened."""

    check: str
    where: str
    detail: str


@dataclass
class SweepResult:
    """What the sweep ran and found."""

    reports: int = 0
    requests: set[tuple[str, str, str, str]] = field(default_factory=set)
    profiles: set[str] = field(default_factory=set)
    violations: list[Violation] = field(default_factory=list)


def profile(name: str) -> HardwareProfile:
    """The hardware of one named profile."""
    return apply_whatif(PROFILES[name], HardwareProfile(ram_bytes=None))


def ladder(boundaries: Iterable[int], top: int = 10_000_000) -> list[int]:
    """0, powers of ten up to ``top``, and every boundary with its neighbours, sorted."""
    values = {0, top}
    values |= {10**k for k in range(8) if 10**k <= top}
    for b in boundaries:
        values |= {v for v in (b - 1, b, b + 1) if 0 <= v <= top}
    return sorted(values)


def boundaries(unit_per_example: float) -> list[int]:
    """Every data-size boundary of the policy (ladder rungs, setting buckets), in a unit of
    which one example is ``unit_per_example``."""
    from advisor.recommend.policy_data import load_policy

    pol = load_policy()
    examples = set(pol.general.bucket_upper)
    examples |= {r.min_examples for f in pol.families for r in f.rungs}
    return sorted({round(e * unit_per_example) for e in examples})


def units(task: Task, catalog: Catalog) -> list[tuple[DataUnit, float]]:
    """The data units a task takes, each with its size of one example."""
    info = catalog.task_info(task)
    assert info is not None
    out: list[tuple[DataUnit, float]] = [(info.data_unit, 1.0)]
    if info.data_unit == "hours":
        out[0] = ("hours", (info.seconds_per_example or 3600) / 3600)
        out.append(("examples", 1.0))
    elif info.data_unit == "tokens":
        out[0] = ("tokens", float(info.tokens_per_example or 512))
        out.append(("examples", 1.0))
    elif info.tokens_per_example:
        out.append(("tokens", float(info.tokens_per_example)))
    return out


def _where(req: Request, prof: str) -> str:
    unit = req.data_unit or "default unit"
    return f"{req.task.value} on {prof}, --goal {req.goal.value}, {req.data:,} {unit}"


def check_report(report: Report, where: str) -> list[Violation]:
    """The promises one report keeps on its own."""
    out: list[Violation] = []
    recs = report.recommendations
    if recs:
        top = recs[0]
        if report.strategy != top.strategy or report.headline.model != top.model.id:
            out.append(Violation("headline", where, f"headline is not {top.model.id}'s plan"))
    for r in recs:
        out += _coherence(r, where)
    for e in report.excluded:
        if e.needed_bytes and e.available_bytes and e.needed_bytes <= e.available_bytes:
            out.append(Violation("truth", f"{where}: {e.model}", f"excluded: {e.reason}"))
    return out


def _coherence(r: Recommendation, where: str) -> list[Violation]:
    out: list[Violation] = []
    s, ft, st = r.strategy, r.fine_tuning, r.settings
    at = f"{where}: {r.model.id}"
    if ft is not None and s.method is not ft.method:
        out.append(Violation("coherence", at, f"plan {s.approach.value}, fits {ft.method.value}"))
    if st is not None and st.approach is not s.approach:
        out.append(Violation("coherence", at, f"settings for {st.approach.value}"))
    if (st is not None) != (ft is not None or not r.fine_tuning_estimated):
        out.append(Violation("coherence", at, "settings without a fit, or a fit without them"))
    if ft is not None and st is not None and st.per_device_batch != ft.batch_size:
        out.append(Violation("coherence", at, "settings batch differs from the fitted batch"))
    for m in ft.methods_tried if ft is not None else []:
        if not m.fits and m.memory_bytes and m.memory_bytes <= m.available_bytes:
            out.append(Violation("truth", at, f"{m.method.value} 'does not fit': {m.detail}"))
    return out


def compare(smaller: Report, larger: Report, where: str) -> list[Violation]:
    """The promises between a report and the one for more data."""
    out: list[Violation] = []
    a, b = smaller.strategy.approach, larger.strategy.approach
    if smaller.recommendations and larger.recommendations and b.ambition < a.ambition:
        out.append(Violation("ambition", where, f"headline {a.value} -> {b.value}"))
    before = {r.model.id: r for r in smaller.recommendations}
    for r in larger.recommendations:
        old = before.get(r.model.id)
        if old is None:
            continue
        if r.strategy.approach.ambition < old.strategy.approach.ambition:
            out.append(
                Violation(
                    "ambition",
                    f"{where}: {r.model.id}",
                    f"{old.strategy.approach.value} -> {r.strategy.approach.value}",
                )
            )
        out += _settings(old, r, f"{where}: {r.model.id}")
    return out


def _settings(old: Recommendation, new: Recommendation, where: str) -> list[Violation]:
    s, t = old.settings, new.settings
    if s is None or t is None:
        return []
    bad: list[str] = []
    if t.epochs > s.epochs:
        bad.append(f"epochs {s.epochs} -> {t.epochs}")
    for name in ("weight_decay", "label_smoothing", "validation_fraction"):
        if getattr(t, name) > getattr(s, name):
            bad.append(f"{name} {getattr(s, name)} -> {getattr(t, name)}")
    if (s.lora is None) == (t.lora is None) and t.dropout > s.dropout:
        bad.append(f"dropout {s.dropout} -> {t.dropout}")
    if (s.early_stopping_patience or 0) > (t.early_stopping_patience or 0) and t.early_stopping:
        bad.append(f"patience {s.early_stopping_patience} -> {t.early_stopping_patience}")
    if s.lora is not None and t.lora is not None and t.lora.rank < s.lora.rank:
        bad.append(f"LoRA rank {s.lora.rank} -> {t.lora.rank}")
    return [Violation("settings", where, b) for b in bad]


Case = tuple[Task, str, Goal, DataUnit, float]
"""(task, profile name, goal, data unit, size of one example in that unit)."""


def cases(
    tasks: Sequence[Task], profiles: Sequence[str], goals: Sequence[Goal], catalog: Catalog
) -> list[Case]:
    """Every task × profile × goal × data unit."""
    return [
        (task, prof, goal, unit, per)
        for task in tasks
        for prof in profiles
        for goal in goals
        for unit, per in units(task, catalog)
    ]


def run_case(case: Case, catalog: Catalog, result: SweepResult) -> None:
    """Walk one case's data ladder, checking each report and each step up."""
    from advisor.recommend import recommend

    task, prof, goal, unit, per = case
    hw = profile(prof)
    previous: Report | None = None
    for value in ladder(boundaries(per)):
        req = Request(task=task, data=value, data_unit=unit, goal=goal, top=TOP)
        report = recommend(req, hw, catalog)
        where = _where(req, prof)
        result.reports += 1
        result.requests.add((task.value, goal.value, unit, str(value)))
        result.profiles.add(prof)
        result.violations += check_report(report, where)
        if previous is not None:
            result.violations += compare(previous, report, where)
        previous = report


def sweep(
    tasks: Sequence[Task],
    profiles: Sequence[str],
    catalog: Catalog,
    *,
    goals: Sequence[Goal] = (Goal.BOTH,),
    sample: int | None = None,
    seed: int = 0,
) -> SweepResult:
    """Run and check every (or ``sample`` random, seeded) task × profile × goal × unit ladder."""
    chosen = cases(tasks, profiles, goals, catalog)
    if sample is not None and sample < len(chosen):
        chosen = random.Random(seed).sample(chosen, sample)
    result = SweepResult()
    for case in chosen:
        run_case(case, catalog, result)
    return result
