"""The report's headline and each plan's deciding fact, in one sentence each.

The headline strategy is the plan of the best-ranked recommendation whose plan serves the
user's goal (``plan.serves_goal``). The pipeline ranks those plans above the others, so that
model is the top pick whenever any plan serves the goal; when none does, the top pick's plan is
the headline and the sentence says that no plan does what was asked.

A deciding fact names the number the plan turned on: the data size and the ladder rung, or the
memory a method needs against what the device can give.
"""

from __future__ import annotations

from functools import lru_cache

from advisor.models.policy import Approach
from advisor.models.report import FineTuning, Headline
from advisor.models.request import Goal
from advisor.models.task import Task
from advisor.recommend.explain import Candidate, gib, shortfall_text
from advisor.recommend.strategy import examples_needed

_GOAL_PHRASE = {
    Goal.SERVE: "serves on this hardware",
    Goal.FINE_TUNE: "fine-tunes on this hardware",
    Goal.BOTH: "serves, and fine-tunes when the data calls for it, on this hardware",
}


def _large(c: Candidate) -> bool:
    from advisor.recommend.policy_data import load_policy

    params = c.model.params
    return params is not None and params >= load_policy().general.large_model_params


def _rung(task: Task, c: Candidate) -> str:
    """``(from 100 examples on the generative ladder)`` for the plan's approach, or ''."""
    assert c.wanted is not None
    return _rung_text(task, c.wanted.approach, _large(c), c.wanted.family)


@lru_cache(maxsize=256)
def _rung_text(task: Task, approach: Approach, large: bool, family: str) -> str:
    start = examples_needed(task, approach, large=large)
    if start is None:
        return ""
    return f" (from {start:,} on the {family} ladder)"


def deciding_fact(c: Candidate, ft: FineTuning | None, task: Task, goal: Goal) -> str:
    """What this model's plan turned on (no trailing full stop)."""
    wanted = c.wanted or c.strategy
    chosen = c.strategy.approach
    n = f"{wanted.data_examples:,} examples"
    if ft is not None and c.train is not None:
        fits = (
            f"{ft.method.value} fits on {c.train.target.name}: {gib(ft.memory_bytes)} per device"
            f" of {gib(c.train.target.budget_bytes)} usable"
        )
        if chosen is wanted.approach:
            return f"{n} call for {chosen.value}{_rung(task, c)}, and {fits}"
        first = next(((m, s) for m, s in c.train_misses), None)
        if first is None:
            return f"{n} call for {wanted.approach.value}; {fits}"
        method, miss = first
        return (
            f"{n} call for {wanted.approach.value}, but {method.value} {shortfall_text(miss)};"
            f" {fits}"
        )
    if c.train_unknown and c.strategy.method is not None:
        unsized = (
            f"{c.strategy.method.value} memory is not estimated for this"
            f" {c.model.architecture.value} architecture yet"
        )
        if chosen is wanted.approach or not c.train_misses:
            return f"{n} call for {wanted.approach.value}{_rung(task, c)}, but {unsized}"
        method, miss = c.train_misses[0]
        return (
            f"{n} call for {wanted.approach.value}, but {method.value} {shortfall_text(miss)};"
            f" {chosen.value} is planned, but {unsized}"
        )
    if wanted.approach.trains:
        if goal is Goal.SERVE:
            return f"goal is serving only: {chosen.value} instead of training"
        if c.train_misses:
            method, miss = c.train_misses[-1]
            return (
                f"{n} call for {wanted.approach.value}, but no method down to"
                f" {method.value} fits ({method.value} {shortfall_text(miss)}), so {chosen.value}"
            )
        return f"{n} call for {wanted.approach.value}, but {c.strategy.reasons[-1]}"
    start = _first_training(task, c)
    if goal is Goal.SERVE:
        trains = start is not None and wanted.data_examples >= start
        return f"goal is serving only, so {chosen.value}" + (
            f" ({n} would reach the {wanted.family} ladder's training rungs)" if trains else ""
        )
    if start is not None and wanted.data_examples < start:
        return (
            f"{n} are below the first training rung of the {wanted.family} ladder"
            f" ({start:,} examples), so {chosen.value}"
        )
    said = c.strategy.reasons
    if len(said) >= 2 and said[-1].startswith("falling back to"):
        # The ladder's rung trains, but the hardware step ruled every method out.
        why = said[-2].split(" (", 1)[0]
        return (
            f"{n} reach the {wanted.family} ladder's training rungs, but {why}, so {chosen.value}"
        )
    return f"{n}: {said[-1]}"


def _first_training(task: Task, c: Candidate) -> int | None:
    return _first_training_rung(task, _large(c), c.model.architecture == "encoder")


@lru_cache(maxsize=64)
def _first_training_rung(task: Task, large: bool, encoder: bool = False) -> int | None:
    """The first rung that trains; an encoder trains from the rung's own approach where the
    large-model approach would prompt (strategy._pick)."""
    from advisor.recommend.policy_data import load_policy

    rungs = load_policy().family(task).rungs
    return next(
        (r.min_examples for r in rungs if r.pick(large).trains or (encoder and r.approach.trains)),
        None,
    )


def headline(
    best: Candidate | None, rank: int | None, ft: FineTuning | None, task: Task, goal: Goal
) -> Headline:
    """The headline for the top pick ``best`` (None: nothing recommended)."""
    if best is None:
        return Headline(
            model=None,
            rank=None,
            reason="no model fits this request on this hardware; the strategy is what the data"
            " alone calls for (see excluded for why each model was left out)",
        )
    fact = deciding_fact(best, ft, task, goal)
    phrase = _GOAL_PHRASE[goal]
    if goal is Goal.BOTH and not (best.wanted and best.wanted.approach.trains):
        phrase = "serves on this hardware"
    if best.serves_goal:
        reason = f"{best.model.id} is the best-ranked model whose plan {phrase}: {fact}."
    elif best.train_unknown:
        reason = (
            "no ranked model's plan is known to fine-tune on this hardware;"
            f" {best.model.id} ranks first: {fact}."
        )
    else:
        reason = f"no ranked model's plan {phrase}; {best.model.id} ranks first: {fact}."
    return Headline(model=best.model.id, rank=rank, reason=reason)
