"""Explain: turn the fits of the chosen few into report objects with reasons and commands.

Every reported memory figure comes from ``advisor.estimate.estimate`` run on the exact set-up
the fit chose (so the report and ``advisor estimate`` agree), and a fit is reported only when
that figure is within the headroom.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from advisor.estimate import estimate
from advisor.hub.types import LocalModel
from advisor.models.arch import ModelArch
from advisor.models.catalog import ModelSpec
from advisor.models.estimate import Estimate, EstimateSetup, Method, Precision, Runtime
from advisor.models.hardware import GpuInfo
from advisor.models.policy import Approach, ExportPlan, Strategy, TrainingSettings
from advisor.models.report import (
    Excluded,
    FineTuning,
    Inference,
    MethodFit,
    ModelRef,
    Quality,
    Recommendation,
    Report,
    ScoreParts,
)
from advisor.models.task import Task
from advisor.recommend.fit import ServeFit, Shortfall
from advisor.recommend.ladders import serve_speed
from advisor.recommend.rank import Parts, QualityScore
from advisor.recommend.runtimes import engine
from advisor.recommend.train_fit import TrainFit
from advisor.units import format_bytes, format_hours


@dataclass
class Candidate:
    """Everything the recommender worked out for one model (plain data, no validation)."""

    model: ModelSpec
    arch: ModelArch
    serve: ServeFit | None
    serve_miss: Shortfall | None
    train: TrainFit | None
    train_misses: list[tuple[Method, Shortfall]]
    strategy: Strategy
    planned_first: bool
    coverage: float | None
    settings: TrainingSettings | None = None
    max_batch: int = 1
    quality: QualityScore | None = None
    parts: Parts | None = None
    notes: tuple[str, ...] = ()
    """Row notes from filtering and fitting (language coverage, licence caveat, runtime)."""
    train_unknown: bool = False
    """Fine-tuning was planned but the estimators cannot size it (no activation formula)."""
    wanted: Strategy | None = None
    """What the data alone calls for with this model (before the hardware step)."""
    lora_cap: int | None = None
    """Largest LoRA rank the device fits (None: not an adapter plan)."""
    serves_goal: bool = True


def gib(n: int) -> str:
    """Bytes as GiB with one decimal (``format_bytes``)."""
    return format_bytes(n)


def shortfall_text(miss: Shortfall) -> str:
    """``needs 18.2 GiB (bf16 on 1× RTX 4090), 21.6 GiB usable of 24.0 GiB``."""
    if not miss.memory_bytes:
        return miss.what
    return (
        f"needs {gib(miss.needed_bytes)} ({miss.what}), {gib(miss.budget_bytes)} usable of"
        f" {gib(miss.memory_bytes)}"
    )


def serve_command(model: ModelSpec, serve: ServeFit, task: Task) -> str:
    """A command that starts serving the model as planned (``advisor.recommend.runtimes``)."""
    from advisor.recommend.runtimes import serve_command as command

    return command(model, serve, task)


_ESTIMATES: dict[tuple[int, int, int], tuple[EstimateSetup, GpuInfo | None, Estimate]] = {}


def _estimate(arch: ModelArch, setup: EstimateSetup, gpu: GpuInfo | None) -> Estimate:
    """``estimate()`` of one set-up, once per run for models sharing an architecture and a fit
    (the figures do not depend on the model id; ``run`` clears this at its start). Keyed by
    identity; the stored objects guard against a reused id."""
    key = (id(arch), id(setup), id(gpu))
    found = _ESTIMATES.get(key)
    if found is not None and found[0] is setup and found[1] is gpu:
        return found[2]
    est = estimate(arch, setup, gpu=gpu)
    _ESTIMATES[key] = (setup, gpu, est)
    return est


def clear_estimates() -> None:
    """Forget the memoised estimates (architectures of an earlier run may be gone)."""
    _ESTIMATES.clear()
    _RECORDS.clear()


_RECORDS: dict[tuple[object, ...], tuple[object, object]] = {}
"""Inference / FineTuning records per run, keyed by the identity of the fit they describe
(models sharing an architecture and a repo get the same record); cleared with the estimates."""


def inference(model: ModelSpec, c: Candidate, task: Task) -> Inference | None:
    """The serving plan, with estimate()'s numbers for its set-up."""
    serve = c.serve
    if serve is None:
        return None
    key = ("serve", id(serve), model.hf_repo, task)
    found = _RECORDS.get(key)
    if found is not None and found[0] is serve and isinstance(found[1], Inference):
        return found[1]
    out = _inference(model, c, task, serve)
    _RECORDS[key] = (serve, out)
    return out


def _inference(model: ModelSpec, c: Candidate, task: Task, serve: ServeFit) -> Inference:
    est = _estimate(c.arch, serve.setup, serve.target.gpu)
    memory = est.memory.total_bytes if not serve.offload_bytes else serve.memory_bytes
    speed = serve_speed(c.arch, serve, task)
    fits = memory <= serve.target.budget_bytes
    return Inference(
        precision=serve.precision,
        runtime=serve.runtime,
        device=serve.target.name,
        gpus=serve.gpus,
        tensor_parallel=max(serve.setup.tensor_parallel, 1),
        memory_bytes=memory,
        device_memory_bytes=serve.target.memory_bytes,
        headroom_bytes=serve.target.memory_bytes - memory,
        headroom_fraction=serve.target.headroom,
        cpu_offload_bytes=serve.offload_bytes,
        fits=fits,
        decode_tokens_per_s=serve.decode_tokens_per_s,
        context_tokens=serve.context,
        breakdown=est.memory.breakdown,
        command=serve_command(model, serve, task),
        engine=engine(model, task, serve),
        native_format=serve.native,
        speed_value=speed.value,
        speed_unit=speed.unit,
        speed_basis=speed.basis,
    )


def fine_tuning(c: Candidate, tokens: int) -> FineTuning | None:
    """The fine-tuning plan, with estimate()'s numbers for its set-up."""
    train = c.train
    if train is None:
        return None
    accumulation = c.settings.gradient_accumulation if c.settings else 1
    key = ("train", id(train), id(c.train_misses), accumulation, tokens)
    found = _RECORDS.get(key)
    if found is not None and found[0] is train and isinstance(found[1], FineTuning):
        return found[1]
    out = _fine_tuning(c, tokens, train)
    _RECORDS[key] = (train, out)
    return out


def _fine_tuning(c: Candidate, tokens: int, train: TrainFit) -> FineTuning:
    est = _estimate(c.arch, train.setup, train.target.gpu)
    memory = est.memory.total_bytes
    setup = train.setup
    settings = c.settings
    accumulation = settings.gradient_accumulation if settings else 1
    tried = [
        MethodFit(
            method=m,
            fits=False,
            memory_bytes=miss.needed_bytes,
            available_bytes=miss.budget_bytes,
            detail=shortfall_text(miss),
        )
        for m, miss in c.train_misses
    ]
    tried.append(
        MethodFit(
            method=train.method,
            fits=True,
            memory_bytes=memory,
            available_bytes=train.target.budget_bytes,
            detail=f"{train.engine}, batch {setup.batch}",
        )
    )
    return FineTuning(
        method=train.method,
        fits=memory <= train.target.budget_bytes,
        precision=setup.precision,
        memory_bytes=memory,
        device_memory_bytes=train.target.memory_bytes,
        headroom_bytes=train.target.memory_bytes - memory,
        headroom_fraction=train.target.headroom,
        breakdown=est.memory.breakdown,
        devices=setup.gpus,
        engine=train.engine,
        zero_stage=3 if setup.fsdp else setup.zero,
        cpu_offload_bytes=est.memory.cpu_offload_bytes,
        batch_size=setup.batch,
        gradient_accumulation=accumulation,
        effective_batch=setup.batch * setup.gpus * accumulation,
        gradient_checkpointing=setup.gradient_checkpointing,
        seq_length=setup.seq,
        train_tokens_per_s=train.train_tokens_per_s,
        hours_per_epoch=train.hours_per_epoch(tokens),
        cost_usd_per_epoch=train.cost_per_epoch(tokens),
        methods_tried=tried,
    )


def model_ref(model: ModelSpec, task: Task) -> ModelRef:
    """The catalog facts shown for a model."""
    return ModelRef(
        id=model.id,
        hf_repo=model.hf_repo,
        name=model.name,
        family=model.family,
        task=task,
        params=model.params or None,
        active_params=model.active_params,
        license=model.license,
        commercial_use=model.commercial_use,
        context_length=model.context_length,
        gated=model.gated,
        reviewed=model.reviewed,
    )


READING_TOKENS_PER_S = 5.0
"""About the pace of silent reading: 238 words/min (Brysbaert 2019, "How many words do we read
per minute?", J. Memory and Language 109) is ~4 words/s, ~5 tokens/s at ~1.3 tokens a word."""


def reasons(c: Candidate, inf: Inference | None, ft: FineTuning | None) -> list[str]:
    """Why the model ranks where it does, one short line per fact."""
    out: list[str] = []
    q = c.quality
    if q is not None and q.signal is not None:
        out.append(
            f"{q.signal.metric} {q.signal.value:g} on {q.signal.benchmark} (quality part"
            f" {q.score:.2f})"
        )
    else:
        out.append(q.basis if q is not None and q.basis else "unscored: quality from model size")
    if inf is not None:
        where = (
            "the CPU"
            if inf.gpus == 0
            else f"{inf.gpus}× {inf.device}" + (" + system RAM" if inf.cpu_offload_bytes else "")
        )
        speed = (
            f", ~{inf.decode_tokens_per_s:.0f} tokens/s"
            if inf.decode_tokens_per_s is not None
            else ""
        )
        out.append(
            f"serves in {inf.precision.value} on {where}: {gib(inf.memory_bytes)} of"
            f" {gib(inf.device_memory_bytes)}, {gib(inf.headroom_bytes)} left"
            f" ({inf.headroom_fraction:.0%} kept free){speed}"
        )
        tps = inf.decode_tokens_per_s
        if tps is not None and tps < READING_TOKENS_PER_S:
            out.append(
                f"generates ~{tps:.1f} tokens/s, slower than people read"
                f" (~{READING_TOKENS_PER_S:g} tokens/s); --min-tokens-per-s sets a floor"
            )
    if ft is not None:
        when = (
            f", {format_hours(ft.hours_per_epoch)}/epoch" if ft.hours_per_epoch is not None else ""
        )
        out.append(
            f"fine-tunes with {ft.method.value} ({ft.engine}, {ft.devices} device(s)):"
            f" {gib(ft.memory_bytes)} per device, batch {ft.batch_size} ×"
            f" {ft.gradient_accumulation} accumulation"
            + (", gradient checkpointing" if ft.gradient_checkpointing else "")
            + when
        )
        for m in ft.methods_tried:
            if not m.fits:
                out.append(f"{m.method.value} does not fit: {m.detail}")
    out.extend(c.notes)
    if c.model.commercial_use is False:
        out.append(f"licence {c.model.license} does not allow commercial use")
    return out


def recommendation(
    rank: int,
    c: Candidate,
    task: Task,
    tokens: int,
    local: Mapping[str, LocalModel],
    headline: Approach | None,
    plan_line: Callable[[FineTuning | None], str],
) -> Recommendation:
    """The report entry of a ranked candidate; ``local`` is the user's Hugging Face cache,
    keyed by lower-case repo id (``advisor.hub.local_models``); ``plan_line`` words the plan's
    deciding fact for its fine-tuning figures."""
    assert c.parts is not None and c.quality is not None
    inf = inference(c.model, c, task)
    ft = fine_tuning(c, tokens)
    why = reasons(c, inf, ft)
    same = c.strategy.approach is headline
    why.insert(
        0,
        f"plan: {c.strategy.approach.value}"
        + ("" if same or headline is None else f" (headline: {headline.value})")
        + f"; {plan_line(ft)}",
    )
    p = c.parts
    q = c.quality
    cached = local.get(c.model.hf_repo.lower()) if c.model.hf_repo else None
    return Recommendation(
        rank=rank,
        model=model_ref(c.model, task),
        score=ScoreParts(
            quality=round(p.quality, 4),
            fit=round(p.fit, 4),
            speed=round(p.speed, 4),
            language=round(p.language, 4),
            license=round(p.license, 4),
            total=round(p.total, 4),
        ),
        quality=Quality(
            metric=q.metric,
            value=q.signal.value if q.signal else None,
            benchmark=q.signal.benchmark if q.signal else None,
            source=q.signal.source if q.signal else None,
            score=round(q.score, 4),
            scored=q.scored,
            basis=q.basis or None,
        ),
        strategy=c.strategy,
        serves_goal=c.serves_goal,
        same_as_headline=same,
        inference=inf,
        fine_tuning=ft,
        fine_tuning_estimated=not c.train_unknown,
        settings=c.settings,
        reasons=why,
        downloaded=cached is not None,
        size_on_disk_bytes=cached.size_bytes if cached is not None else None,
    )


def excluded(
    model_id: str,
    kind: str,
    reason: str,
    needed: int | None = None,
    available: int | None = None,
) -> Excluded:
    """One excluded entry (built without re-validation: the values are ours)."""
    return Excluded.model_construct(
        model=model_id, reason=reason, kind=kind, needed_bytes=needed, available_bytes=available
    )


def export_plan(report: Report, rec: Recommendation | None = None) -> ExportPlan | None:
    """What ``advisor.export.write_exports`` needs about ``rec`` (default: the top pick; None
    when nothing was recommended)."""
    if rec is None and not report.recommendations:
        return None
    top = rec if rec is not None else report.recommendations[0]
    inf, ft = top.inference, top.fine_tuning
    approach = top.strategy.approach
    settings = top.settings if approach.trains else None
    if approach.trains and settings is None:
        approach = Approach.PRETRAINED  # nothing that fits trains; export the serving side
    engine: Literal["deepspeed", "fsdp"] | None = None
    if ft is not None and ft.engine.startswith("deepspeed"):
        engine = "deepspeed"
    elif ft is not None and ft.engine.startswith("fsdp"):
        engine = "fsdp"
    return ExportPlan(
        model_id=top.model.id,
        hf_repo=top.model.hf_repo,
        task=top.model.task,
        approach=approach,
        settings=settings,
        runtime=inf.runtime if inf else Runtime.TRANSFORMERS,
        precision=inf.precision if inf else Precision.BF16,
        mixed_precision="fp16" if ft is not None and ft.precision is Precision.FP16 else "bf16",
        tensor_parallel=max(inf.tensor_parallel, 1) if inf else 1,
        gpus=ft.devices if ft else 1,
        engine=engine,
        zero_stage=ft.zero_stage if engine == "deepspeed" and ft else None,
        cpu_offload=bool(ft and ft.cpu_offload_bytes),
        gradient_checkpointing=bool(ft and ft.gradient_checkpointing),
        max_seq_length=ft.seq_length if ft else None,
    )
