"""One model's plan: strategy → fine-tuning fit along its fallback chain → settings.

Every ranked model gets its own plan, and its parts agree: the strategy's method is the fitted
method, and the settings are that approach's recipe for the model's kind. Monotone in data by
construction (DESIGN.md §5):

* the ladder rung never loses ambition as data grows (``policy_data`` rejects a file where it
  would);
* a more ambitious approach's fallback chain contains every less ambitious one's
  (``strategy.FALLBACK``), and which method fits is decided at the recipe's *smallest* LoRA rank,
  so the fit does not depend on the data size;
* the LoRA rank the settings ask for is the recipe's rank for the data, capped at the largest
  recipe rank that fits the device; the cap is the same for every data size, so the rank still
  never falls as data grows.
"""

from __future__ import annotations

from functools import lru_cache

from advisor.models.arch import ArchType, ModelArch
from advisor.models.catalog import ModelSpec, TaskInfo
from advisor.models.estimate import Method
from advisor.models.policy import Approach, Strategy, TrainingSettings
from advisor.models.policy import Goal as PolicyGoal
from advisor.models.report import DataSize
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.recommend import explain
from advisor.recommend.candidates import is_task_model, window
from advisor.recommend.fit import Shortfall, Target, setup_for, training_bytes
from advisor.recommend.policy_data import load_policy
from advisor.recommend.settings import training_settings
from advisor.recommend.strategy import FALLBACK, plan_strategy
from advisor.recommend.train_fit import TrainFit, grow_batch, no_bitsandbytes, train_fit
from advisor.recommend.weights import Policy

CHAINS: dict[Approach, tuple[Method, ...]] = {
    approach: tuple(a.method for a in chain if a.method is not None)
    for approach, chain in FALLBACK.items()
}
"""The estimator methods tried for each approach, in order: ``strategy.FALLBACK``'s chain, the
one fallback table every part of the recommender uses."""

POLICY_GOAL: dict[Goal, PolicyGoal] = {
    Goal.SERVE: "serve",
    Goal.FINE_TUNE: "fine-tune",
    Goal.BOTH: "both",
}
"""The request's goal as the strategy planner spells it."""

TrainCache = dict[
    tuple[int, tuple[Method, ...], int, int],
    tuple[TrainFit | None, list[tuple[Method, Shortfall]]],
]
"""Fine-tuning fits per (architecture, chain, LoRA rank, sequence length) within one run."""


@lru_cache(maxsize=4096)
def cached_strategy(
    task: Task,
    examples: int,
    params: int | None,
    task_model: bool,
    knowledge: bool,
    fits: frozenset[tuple[Method, bool]],
    goal: PolicyGoal,
    has_gpu: bool,
    note: str | None,
    no_qlora: str | None = None,
    encoder: bool = False,
) -> Strategy:
    """``plan_strategy`` memoised (many models share a size class and a fit pattern)."""
    return plan_strategy(
        task,
        examples,
        model_params=params,
        task_model=task_model,
        knowledge_heavy=knowledge,
        fits=dict(fits),
        goal=goal,
        has_gpu=has_gpu,
        data_note=note,
        no_qlora=no_qlora,
        encoder=encoder,
    )


@lru_cache(maxsize=4096)
def cached_settings(
    approach: Approach,
    task: Task,
    examples: int,
    params: int | None,
    batch: int,
    gpus: int,
    architecture: ArchType | None,
    max_lora_rank: int | None,
) -> TrainingSettings | None:
    """``training_settings`` memoised."""
    return training_settings(
        approach,
        task,
        examples,
        model_params=params,
        per_device_batch=batch,
        gpus=gpus,
        architecture=architecture,
        max_lora_rank=max_lora_rank,
    )


NON_TEXT_TASKS = frozenset(
    {
        Task.SPEECH_RECOGNITION,
        Task.TEXT_TO_SPEECH,
        Task.IMAGE_CLASSIFICATION,
        Task.OBJECT_DETECTION,
        Task.IMAGE_SEGMENTATION,
        Task.IMAGE_GENERATION,
    }
)
"""Tasks whose training positions are audio frames, patches or latents. A model's
``context_length`` there is its text side's (Whisper's 448 decoder tokens, CLIP's 77 prompt
tokens) and neither sets nor caps the training length; ``--context`` does not either."""


def training_seq(model: ModelSpec, seq: int, task: Task) -> int:
    """The training sequence length for ``model``: the request's, within the model's window
    on text tasks."""
    size = window(model)
    if task in NON_TEXT_TASKS or not size:
        return seq
    return min(seq, size)


_MEMO: dict[tuple[object, ...], object] = {}
"""Per-run results keyed by architecture identity (``clear_memo`` at the start of a run):
models sharing an architecture (fine-tunes of a base, synthetic copies) share their figures."""


def clear_memo() -> None:
    """Forget the memoised fits of an earlier run."""
    _MEMO.clear()


def _rank_cap(arch: ModelArch, fit: TrainFit, ranks: list[int], wanted: int) -> int:
    """The largest recipe rank ≤ ``wanted`` whose plan still fits (the smallest rank, which the
    fit was decided at, always does)."""
    key = ("cap", id(arch), fit.setup, fit.target.budget_bytes, tuple(ranks), wanted)
    found = _MEMO.get(key)
    if isinstance(found, int):
        return found
    cap = min(ranks)
    for r in sorted({x for x in ranks if x <= wanted}, reverse=True):
        if r == fit.setup.lora_rank:
            cap = r
            break
        trial = setup_for(**{**dict(fit.setup), "lora_rank": r})
        need, _ = training_bytes(arch, trial)
        if need <= fit.target.budget_bytes:
            cap = r
            break
    _MEMO[key] = cap
    return cap


def _at_rank(arch: ModelArch, fit: TrainFit, rank: int) -> TrainFit:
    """The same plan at LoRA rank ``rank`` (within the cap, so it fits)."""
    key = ("rank", id(arch), fit.setup, rank)
    found = _MEMO.get(key)
    if isinstance(found, TrainFit) and found.target is fit.target:
        return found
    setup = setup_for(**{**dict(fit.setup), "lora_rank": rank})
    need, host = training_bytes(arch, setup)
    out = fit._replace(setup=setup, memory_bytes=need, host_bytes=host)
    _MEMO[key] = out
    return out


def plan_training(
    request: Request,
    model: ModelSpec,
    arch: ModelArch,
    info: TaskInfo,
    data: DataSize,
    gpu_t: Target | None,
    cpu_t: Target | None,
    pol: Policy,
    has_gpu: bool,
    cache: TrainCache,
) -> explain.Candidate:
    """The model's plan (see the module docstring)."""
    task_model = is_task_model(model, request.task)
    args = (request.task, data.examples, model.params, task_model, info.knowledge_heavy)
    goal = POLICY_GOAL[request.goal]
    no_qlora = no_bitsandbytes(gpu_t if gpu_t is not None and gpu_t.gpu is not None else cpu_t)
    encoder = model.architecture is ArchType.ENCODER
    wanted = cached_strategy(*args, frozenset(), goal, has_gpu, data.conversion, no_qlora, encoder)
    chain = CHAINS.get(wanted.approach, ())
    fit: TrainFit | None = None
    misses: list[tuple[Method, Shortfall]] = []
    settings: TrainingSettings | None = None
    strategy = wanted
    max_batch = 1
    cap: int | None = None
    if chain:
        recipe = load_policy().recipe_for(request.task, model.architecture).recipe
        first = cached_settings(
            wanted.approach, request.task, data.examples, model.params, 1, 1,
            model.architecture, None,
        )  # fmt: skip
        max_batch = min(pol.max_micro_batch, first.effective_batch if first else 1)
        smallest = min(recipe.lora_rank)
        key = (id(arch), chain, smallest, training_seq(model, data.seq_length, request.task))
        if key not in cache:
            cache[key] = train_fit(arch, chain, gpu_t, cpu_t, key[3], lora_rank=smallest)
        fit, misses = cache[key]
        fits = {m: False for m, _ in misses}
        if fit is not None:
            fits[fit.method] = True
        strategy = cached_strategy(
            *args, frozenset(fits.items()), goal, has_gpu, data.conversion, no_qlora, encoder
        )
        if fit is not None and strategy.method is not fit.method:
            fit = None  # the strategy blocked it (e.g. CPU training of a large model)
        if fit is not None:
            if fit.method in (Method.LORA, Method.QLORA):
                cap = _rank_cap(arch, fit, list(recipe.lora_rank), max(recipe.lora_rank))
            settings = cached_settings(
                strategy.approach, request.task, data.examples, model.params, 1,
                fit.setup.gpus, model.architecture, cap,
            )  # fmt: skip
            lora = settings.lora if settings is not None else None
            if lora is not None and lora.rank != fit.setup.lora_rank:
                fit = _at_rank(arch, fit, lora.rank)
    planned_first = not chain or (fit is not None and fit.method is chain[0])
    return explain.Candidate(
        model=model,
        arch=arch,
        serve=None,
        serve_miss=None,
        train=fit,
        train_misses=misses,
        strategy=strategy,
        planned_first=planned_first,
        coverage=None,
        settings=settings,
        max_batch=max_batch,
        wanted=wanted,
        lora_cap=cap,
    )


def grow(c: explain.Candidate, task: Task, examples: int, cpu_t: Target | None) -> None:
    """Raise a candidate's micro-batch as far as memory allows, and redo its settings for that
    batch (accumulation makes up the recipe's effective batch)."""
    if c.train is None:
        return
    host_budget = cpu_t.budget_bytes if cpu_t is not None and c.train.target.kind != "cpu" else 0
    budget = c.train.target.budget_bytes
    key = ("grow", id(c.arch), c.train.setup, budget, host_budget, c.max_batch)
    found = _MEMO.get(key)
    if isinstance(found, TrainFit) and found.target is c.train.target:
        c.train = found
    else:
        c.train = _MEMO[key] = grow_batch(c.arch, c.train, host_budget, c.max_batch)
    c.settings = cached_settings(
        c.strategy.approach, task, examples, c.model.params, c.train.setup.batch,
        c.train.setup.gpus, c.model.architecture, c.lora_cap,
    )  # fmt: skip


def serves_goal(c: explain.Candidate, goal: Goal) -> bool:
    """Whether the plan does what the user asked: it serves (serve), it trains (fine-tune), or
    it serves and trains whenever the data calls for training (both)."""
    if goal is Goal.SERVE:
        return c.serve is not None
    if goal is Goal.FINE_TUNE:
        return c.train is not None
    wants_training = c.wanted is not None and c.wanted.approach.trains
    return c.serve is not None and (c.train is not None or not wants_training)
