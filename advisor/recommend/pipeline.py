"""One recommendation run: request + hardware + catalog → ``Report``.

Per candidate: architecture (cached on the catalog record), serving fit, the strategy the data
and the model call for (``advisor.recommend.strategy``), the fine-tuning fit along that
strategy's fallback chain, then the strategy again with what fits, and the training settings.
Fits depend only on the architecture, so models sharing one (fine-tunes of a base, synthetic
copies) are fitted once per run. Pydantic report objects are built only for the top K.
"""

from __future__ import annotations

from functools import lru_cache

from advisor.catalog.store import Catalog
from advisor.errors import ConfigError, InvalidValueError
from advisor.hub.local import local_models
from advisor.models.arch import ModelArch
from advisor.models.catalog import ModelSpec, TaskInfo
from advisor.models.estimate import Method
from advisor.models.hardware import HardwareProfile
from advisor.models.policy import Approach, Strategy, TrainingSettings
from advisor.models.policy import Goal as PolicyGoal
from advisor.models.report import DataSize, Excluded, Headroom, Report
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.pricing import price_assumption
from advisor.recommend import explain, rank
from advisor.recommend.candidates import (
    filter_models,
    is_task_model,
    language_fit,
    row_notes,
    validate_request,
)
from advisor.recommend.fit import (
    Profile,
    ServeFit,
    Shortfall,
    Target,
    serve_fit,
    targets,
    training_estimated,
)
from advisor.recommend.ladders import serving_profile
from advisor.recommend.settings import training_settings
from advisor.recommend.strategy import FALLBACK, convert_data, plan_strategy
from advisor.recommend.train_fit import TrainFit, grow_batch, train_fit
from advisor.recommend.weights import Policy, policy

CHAINS: dict[Approach, tuple[Method, ...]] = {
    approach: tuple(a.method for a in chain if a.method is not None)
    for approach, chain in FALLBACK.items()
}
"""The estimator methods tried for each approach, in the strategy's step-down order."""
"""Methods tried for each planned approach, in order: the strategy's own fallback chain."""


def data_size(request: Request, info: TaskInfo, pol: Policy) -> tuple[DataSize, int]:
    """The user's data as examples and tokens, and the training sequence length."""
    unit = request.data_unit or info.data_unit
    seq = info.tokens_per_example or pol.training_seq.get(info.task) or 512
    if unit != info.data_unit:
        allowed = {info.data_unit, "examples"} | ({"tokens"} if info.tokens_per_example else set())
        if unit not in allowed:
            raise InvalidValueError(
                f"--data-unit {unit} does not apply to --task {info.task.value}",
                f"use one of: {', '.join(sorted(allowed))}",
            )
    converted = info.model_copy(update={"data_unit": unit})
    examples, note = convert_data(request.data, converted)
    tokens = request.data if unit == "tokens" else examples * seq
    if unit != "tokens":
        extra = f"{examples:,} examples × {seq:,} tokens each = {tokens:,} tokens per epoch"
        note = f"{note}; {extra}" if note else extra
    ds = DataSize(
        value=request.data,
        unit=unit,
        examples=examples,
        tokens=tokens,
        seq_length=seq,
        conversion=note,
    )
    return ds, seq


POLICY_GOAL: dict[Goal, PolicyGoal] = {
    Goal.SERVE: "serve",
    Goal.FINE_TUNE: "fine-tune",
    Goal.BOTH: "both",
}
"""The request's goal as the strategy planner spells it."""


@lru_cache(maxsize=4096)
def _strategy(
    task: Task,
    examples: int,
    params: int | None,
    task_model: bool,
    knowledge: bool,
    fits: frozenset[tuple[Method, bool]],
    goal: PolicyGoal,
    has_gpu: bool,
    note: str | None,
) -> Strategy:
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
    )


@lru_cache(maxsize=4096)
def _settings(
    approach: Approach, task: Task, examples: int, params: int | None, batch: int, gpus: int
) -> TrainingSettings | None:
    return training_settings(
        approach, task, examples, model_params=params, per_device_batch=batch, gpus=gpus
    )


def run(request: Request, hardware: HardwareProfile, catalog: Catalog) -> Report:
    """The whole recommendation (see the module docstring)."""
    pol = policy()
    validate_request(request, catalog)
    info = catalog.task_info(request.task)
    if info is None:
        raise InvalidValueError(f"the catalog has no entry for task {request.task.value}", None)
    data, seq = data_size(request, info, pol)
    gpu_t, cpu_t = targets(hardware, pol)
    warnings = _hardware_warnings(hardware, gpu_t, cpu_t)
    kept, drops = filter_models(request, catalog)
    excluded: list[Excluded] = [explain.excluded(d.model.id, d.kind, d.reason) for d in drops]
    context = request.context or pol.serving_context
    has_gpu = gpu_t is not None
    serve_cache: dict[tuple[int, int, Profile], ServeFit | Shortfall] = {}
    train_cache: dict[
        tuple[int, tuple[Method, ...], int, int],
        tuple[TrainFit | None, list[tuple[Method, Shortfall]]],
    ] = {}
    candidates: list[explain.Candidate] = []
    for model in kept:
        try:
            arch = model.arch()
        except ConfigError as exc:
            excluded.append(
                explain.excluded(model.id, "size-unknown", f"cannot size it: {exc.message}")
            )
            continue
        ctx = min(context, model.context_length) if model.context_length else context
        profile = serving_profile(model, request.task)
        key = (id(arch), ctx, profile)
        if key not in serve_cache:
            serve_cache[key] = serve_fit(arch, gpu_t, cpu_t, ctx, pol, profile)
        served = serve_cache[key]
        serve = served if isinstance(served, ServeFit) else None
        miss = served if isinstance(served, Shortfall) else None
        if request.goal is not Goal.FINE_TUNE and serve is None:
            assert miss is not None
            excluded.append(
                explain.excluded(
                    model.id,
                    "memory",
                    f"does not fit for serving: {explain.shortfall_text(miss)}",
                    miss.needed_bytes or None,
                    miss.budget_bytes or None,
                )
            )
            continue
        if (
            request.min_tokens_per_s is not None
            and serve is not None
            and serve.decode_tokens_per_s is not None
            and serve.decode_tokens_per_s < request.min_tokens_per_s
        ):
            excluded.append(
                explain.excluded(
                    model.id,
                    "speed",
                    f"~{serve.decode_tokens_per_s:.1f} tokens/s in {serve.precision.value} on"
                    f" {serve.target.name}, {request.min_tokens_per_s:g} asked",
                )
            )
            continue
        cand = _plan_training(
            request, model, arch, info, data, seq, gpu_t, cpu_t, pol, has_gpu, train_cache
        )
        cand.serve, cand.serve_miss = serve, miss
        lang = language_fit(model, request, catalog)
        cand.coverage, cand.notes = lang.part, lang.notes + row_notes(model, catalog, request)
        if serve is not None:
            cand.notes += serve.notes
        if cand.train is not None and not training_estimated(arch, cand.train.setup):
            cand.notes += (
                f"fine-tuning memory not estimated: no activation formula for this"
                f" {model.architecture.value} architecture yet ({cand.train.method.value} planned)",
            )
            cand.train, cand.train_unknown = None, True
        reason = _training_exclusion(request, cand, data.tokens)
        if reason is not None:
            excluded.append(reason)
            if reason.kind == "budget":
                continue
            if request.goal is Goal.FINE_TUNE:
                continue
        candidates.append(cand)

    pair = f"{request.source_lang}-{request.target_lang}" if request.source_lang else None
    quality = rank.quality_scores(
        [c.model for c in candidates],
        info,
        catalog,
        pol,
        languages=request.wanted_languages,
        pair=pair,
    )
    reference = request.min_tokens_per_s or pol.reference_tokens_per_s
    for c in candidates:
        c.quality = quality[c.model.id]
        c.parts = rank.combine(
            c.quality.score,
            rank.fit_part(c.serve, c.train, c.planned_first, pol, unknown=c.train_unknown),
            rank.speed_part(c.serve, reference, pol),
            1.0 if c.coverage is None else c.coverage,
            rank.license_part(c.model, pol),
            pol,
        )
    candidates.sort(key=_order)
    top = candidates[: request.top]
    for c in top:
        _grow(c, request.task, data.examples, cpu_t)
    # Scans folder names only (no huggingface_hub import): a few ms for a large cache.
    local = {repo.lower(): found for repo, found in local_models().items()}
    recs = [
        explain.recommendation(i + 1, c, request.task, data.tokens, local)
        for i, c in enumerate(top)
    ]
    for i, c in enumerate(candidates[request.top :], start=request.top + 1):
        assert c.parts is not None
        excluded.append(
            explain.excluded(
                c.model.id,
                "ranked-below",
                f"ranked {i} (score {c.parts.total:.3f}); --top {request.top}",
            )
        )
    strategy = top[0].strategy if top else _fallback_strategy(request, info, data, has_gpu)
    if request.budget_usd is not None and any(
        r.fine_tuning is not None and r.fine_tuning.cost_usd_per_epoch is None for r in recs
    ):
        warnings.append("--budget not checked where the GPU has no known hourly price")
    costed = request.budget_usd is not None or any(
        r.fine_tuning is not None and r.fine_tuning.cost_usd_per_epoch is not None for r in recs
    )
    price = price_assumption(gpu_t.gpu) if costed and gpu_t is not None else None
    if request.task == Task.TRANSLATION and not (request.source_lang and request.target_lang):
        warnings.append(
            "no language pair given: models were not checked for the languages you need;"
            " pass --source-lang and --target-lang (ISO 639 codes)"
        )
    return Report(
        request=request,
        hardware=hardware,
        data=data,
        strategy=strategy,
        headroom=Headroom(
            gpu_fraction=pol.gpu_headroom,
            ram_fraction=pol.ram_headroom,
            unified_usable_fraction=pol.unified_usable_fraction,
        ),
        recommendations=recs,
        excluded=excluded,
        warnings=warnings,
        assumptions=_assumptions(request, context, pol) + ([price] if price else []),
    )


def _plan_training(
    request: Request,
    model: ModelSpec,
    arch: ModelArch,
    info: TaskInfo,
    data: DataSize,
    seq: int,
    gpu_t: Target | None,
    cpu_t: Target | None,
    pol: Policy,
    has_gpu: bool,
    cache: dict[
        tuple[int, tuple[Method, ...], int, int],
        tuple[TrainFit | None, list[tuple[Method, Shortfall]]],
    ],
) -> explain.Candidate:
    """Strategy → fine-tuning fit along its chain → strategy with what fits → settings."""
    task_model = is_task_model(model, request.task)
    args = (request.task, data.examples, model.params, task_model, info.knowledge_heavy)
    goal = POLICY_GOAL[request.goal]
    wanted = _strategy(*args, frozenset(), goal, has_gpu, data.conversion)
    chain = CHAINS.get(wanted.approach, ())
    fit: TrainFit | None = None
    misses: list[tuple[Method, Shortfall]] = []
    settings: TrainingSettings | None = None
    strategy = wanted
    max_batch = 1
    if chain:
        first = _settings(wanted.approach, request.task, data.examples, model.params, 1, 1)
        rank_ = first.lora.rank if first and first.lora else 16
        max_batch = min(pol.max_micro_batch, first.effective_batch if first else 1)
        train_seq = min(seq, model.context_length) if model.context_length else seq
        key = (id(arch), chain, rank_, train_seq)
        if key not in cache:
            cache[key] = train_fit(arch, chain, gpu_t, cpu_t, train_seq, lora_rank=rank_)
        fit, misses = cache[key]
        fits = {m: False for m, _ in misses}
        if fit is not None:
            fits[fit.method] = True
        strategy = _strategy(*args, frozenset(fits.items()), goal, has_gpu, data.conversion)
        if fit is not None and strategy.method is not fit.method:
            fit = None  # the strategy blocked it (e.g. CPU training of a large model)
        if fit is not None:
            settings = _settings(
                strategy.approach,
                request.task,
                data.examples,
                model.params,
                1,
                fit.setup.gpus,
            )
    planned_first = fit is not None and bool(chain) and fit.method is chain[0]
    if not chain:
        planned_first = True
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
    )


def _grow(c: explain.Candidate, task: Task, examples: int, cpu_t: Target | None) -> None:
    """Raise a reported candidate's micro-batch as far as memory allows, and redo its
    settings for that batch (accumulation makes up the recipe's effective batch)."""
    if c.train is None:
        return
    host_budget = cpu_t.budget_bytes if cpu_t is not None and c.train.target.kind != "cpu" else 0
    c.train = grow_batch(c.arch, c.train, host_budget, c.max_batch)
    c.settings = _settings(
        c.strategy.approach, task, examples, c.model.params, c.train.setup.batch, c.train.setup.gpus
    )


def _training_exclusion(request: Request, c: explain.Candidate, tokens: int) -> Excluded | None:
    """Why a candidate cannot be fine-tuned as asked (None: it can, or no training wanted)."""
    wants_training = request.goal is not Goal.SERVE
    if c.train is None:
        if request.goal is Goal.FINE_TUNE and c.train_misses:
            m, miss = c.train_misses[-1]
            return explain.excluded(
                c.model.id,
                "fine-tuning",
                f"no fine-tuning method fits: {m.value} {explain.shortfall_text(miss)}",
                miss.needed_bytes or None,
                miss.budget_bytes or None,
            )
        if request.goal is Goal.FINE_TUNE and not c.strategy.approach.trains:
            return explain.excluded(
                c.model.id, "fine-tuning", f"no training planned: {c.strategy.reasons[-1]}"
            )
        return None
    if wants_training and request.budget_usd is not None and c.settings is not None:
        per_epoch = c.train.cost_per_epoch(tokens)
        if per_epoch is not None and per_epoch * c.settings.epochs > request.budget_usd:
            total = per_epoch * c.settings.epochs
            return explain.excluded(
                c.model.id,
                "budget",
                f"{c.settings.epochs} epochs of {c.train.method.value} cost ~${total:,.2f}"
                f" (${per_epoch:,.2f}/epoch), budget ${request.budget_usd:,.2f}",
            )
    return None


def _order(c: explain.Candidate) -> tuple[float, bool, str]:
    assert c.parts is not None, "every candidate is scored before sorting"
    return rank.order_key(c.model.id, c.parts, c.model.reviewed)


def _fallback_strategy(request: Request, info: TaskInfo, data: DataSize, has_gpu: bool) -> Strategy:
    """The strategy when no model is recommended: what the data alone calls for."""
    return _strategy(
        request.task,
        data.examples,
        None,
        False,
        info.knowledge_heavy,
        frozenset(),
        POLICY_GOAL[request.goal],
        has_gpu,
        data.conversion,
    )


def _hardware_warnings(
    hardware: HardwareProfile, gpu_t: Target | None, cpu_t: Target | None
) -> list[str]:
    out: list[str] = []
    if len({g.name for g in hardware.gpus}) > 1 and gpu_t is not None:
        out.append(f"mixed GPUs: plans use the {gpu_t.name} group only")
    if any(g.memory_bytes is None for g in hardware.gpus):
        out.append("a GPU's memory size is unknown; it is left out of the plans")
    if gpu_t is None and cpu_t is None:
        out.append("no GPU and no RAM size known: nothing can be fitted (try --ram or --gpu)")
    return out


def _assumptions(request: Request, context: int, pol: Policy) -> list[str]:
    return [
        f"serving: batch 1, {context:,}-token prompt (capped at each model's context) plus"
        f" {pol.serving_gen_tokens} generated tokens",
        f"a fit leaves {pol.gpu_headroom:.0%} of GPU memory and {pol.ram_headroom:.0%} of system"
        " RAM free (catalog/ranking.toml [fit])",
        "CPU decode speed assumes"
        f" {pol.cpu_bandwidth_bytes_per_s / 1e9:.1f} GB/s RAM bandwidth at"
        f" {pol.cpu_bandwidth_efficiency:.0%} efficiency (dual-channel DDR4-3200)",
    ]
