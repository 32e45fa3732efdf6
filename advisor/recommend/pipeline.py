"""One recommendation run: request + hardware + catalog → ``Report``.

Per candidate: architecture (cached on the catalog record), serving fit, then its own plan
(``advisor.recommend.plan``: strategy, fine-tuning fit along the fallback chain, settings).
Fits depend only on the architecture, so models sharing one (fine-tunes of a base, synthetic
copies) are fitted once per run. Every candidate that passes the filters and fits is planned
and reported, best first; ``Request.top`` only says how many the views print. ``excluded``
holds the models the filters or the hardware left out, each with its reason.

The headline strategy is the plan of the best-ranked model whose plan serves the goal
(``advisor.recommend.headline``): such plans rank first, so it is the top pick's plan.
"""

from __future__ import annotations

from collections.abc import Callable

from advisor.catalog.store import Catalog
from advisor.errors import ConfigError, InvalidValueError
from advisor.hub.local import local_models
from advisor.models.catalog import TaskInfo
from advisor.models.hardware import HardwareProfile
from advisor.models.policy import Strategy
from advisor.models.report import DataSize, Excluded, FineTuning, Headroom, Report
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.pricing import price_assumption
from advisor.recommend import explain, rank
from advisor.recommend.candidates import (
    filter_models,
    language_fit,
    row_notes,
    validate_request,
    window,
    window_unknown,
)
from advisor.recommend.fit import (
    Profile,
    ServeFit,
    Shortfall,
    Target,
    generated_tokens,
    serve_fit,
    targets,
    training_estimated,
)
from advisor.recommend.headline import deciding_fact, headline
from advisor.recommend.ladders import serving_profile
from advisor.recommend.plan import (
    NON_TEXT_TASKS,
    POLICY_GOAL,
    TrainCache,
    cached_strategy,
    clear_memo,
    grow,
    plan_training,
    serves_goal,
)
from advisor.recommend.strategy import convert_data
from advisor.recommend.weights import Policy, policy


def data_size(request: Request, info: TaskInfo, pol: Policy) -> tuple[DataSize, int]:
    """The user's data as examples and tokens, and the training sequence length.

    The length is the task's typical example (``tasks.toml`` ``tokens_per_example``, else
    ``ranking.toml`` ``[fit.training_seq]``); for text tasks ``--context N`` replaces it: the
    user's examples are that long, and the memory plan is sized for them (each model's plan
    caps it at the model's window)."""
    unit = request.data_unit or info.data_unit
    typical = info.tokens_per_example or pol.training_seq.get(info.task) or 512
    seq = typical
    if request.context is not None and info.task not in NON_TEXT_TASKS:
        seq = request.context
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
        each = f"{seq:,} tokens each" + (
            f" (--context; typical for the task: {typical:,})" if seq != typical else ""
        )
        extra = f"{examples:,} examples × {each} = {tokens:,} tokens per epoch"
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


def run(request: Request, hardware: HardwareProfile, catalog: Catalog) -> Report:
    """The whole recommendation (see the module docstring)."""
    pol = policy()
    validate_request(request, catalog)
    info = catalog.task_info(request.task)
    if info is None:
        raise InvalidValueError(f"the catalog has no entry for task {request.task.value}", None)
    data, _ = data_size(request, info, pol)
    gpu_t, cpu_t = targets(hardware, pol)
    warnings = _hardware_warnings(hardware, gpu_t, cpu_t)
    kept, drops = filter_models(request, catalog)
    excluded: list[Excluded] = [explain.excluded(d.model.id, d.kind, d.reason) for d in drops]
    # --context is prompt + answer; without it, the default prompt plus the generated tokens.
    context = request.context or pol.serving_context + pol.serving_gen_tokens
    has_gpu = gpu_t is not None
    serve_cache: dict[tuple[int, int, Profile], ServeFit | Shortfall] = {}
    train_cache: TrainCache = {}
    explain.clear_estimates()
    clear_memo()
    candidates: list[explain.Candidate] = []
    for model in kept:
        try:
            arch = model.arch()
        except ConfigError as exc:
            excluded.append(
                explain.excluded(model.id, "size-unknown", f"cannot size it: {exc.message}")
            )
            continue
        ctx = serving_prompt(context, window(model), generated_tokens(arch, pol))
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
        cand = plan_training(
            request, model, arch, info, data, gpu_t, cpu_t, pol, has_gpu, train_cache
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
            said = "fit judged on the weights alone: the fine-tuning memory is not estimated"
            cand.strategy = cand.strategy.model_copy(
                update={"reasons": [*cand.strategy.reasons, said]}
            )
        cand.serves_goal = serves_goal(cand, request.goal)
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
    # Plans that do what the goal asks rank above those that do not (a model whose planned
    # fine-tuning cannot run never heads a --goal both|fine-tune report); score order within.
    # With --context, a model whose window is not stated ranks below every model known to
    # reach it (--context is a constraint; unknown is not excluded, only trusted less).
    candidates.sort(key=lambda c: (window_unknown(c.model, request), not c.serves_goal, *_order(c)))
    for c in candidates:
        grow(c, request.task, data.examples, cpu_t)
    # Scans folder names only (no huggingface_hub import): a few ms for a large cache.
    local = {repo.lower(): found for repo, found in local_models().items()}
    best = candidates[0] if candidates else None
    lead = best.strategy.approach if best is not None else None

    def plan_line(c: explain.Candidate) -> Callable[[FineTuning | None], str]:
        return lambda ft: deciding_fact(c, ft, request.task, request.goal)

    recs = [
        explain.recommendation(i + 1, c, request.task, data.tokens, local, lead, plan_line(c))
        for i, c in enumerate(candidates)
    ]
    if best is not None:
        strategy = best.strategy
        head = headline(best, 1, recs[0].fine_tuning, request.task, request.goal)
    else:
        strategy = _fallback_strategy(request, info, data, has_gpu)
        head = headline(None, None, None, request.task, request.goal)
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
        headline=head,
        headroom=Headroom(
            gpu_fraction=pol.gpu_headroom,
            ram_fraction=pol.ram_headroom,
            unified_usable_fraction=pol.unified_usable_fraction,
        ),
        recommendations=recs,
        ranked=len(recs),
        excluded=excluded,
        warnings=warnings,
        assumptions=_assumptions(request, context, pol) + ([price] if price else []),
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
    return cached_strategy(
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


def serving_prompt(total: int, window: int | None, gen: int) -> int:
    """Prompt tokens to plan serving for: ``total`` (prompt + answer) within the model's
    window, less the ``gen`` generated tokens, so the KV cache never passes the window."""
    if window:
        total = min(total, window)
    return max(total - gen, 1)


def _assumptions(request: Request, context: int, pol: Policy) -> list[str]:
    return [
        f"serving: batch 1, {context:,} tokens in all ({pol.serving_gen_tokens} of them"
        " generated), capped at each model's context window",
        f"a fit leaves {pol.gpu_headroom:.0%} of GPU memory and {pol.ram_headroom:.0%} of system"
        " RAM free (catalog/ranking.toml [fit])",
        "CPU decode speed assumes"
        f" {pol.cpu_bandwidth_bytes_per_s / 1e9:.1f} GB/s RAM bandwidth at"
        f" {pol.cpu_bandwidth_efficiency:.0%} efficiency (dual-channel DDR4-3200)",
    ]
