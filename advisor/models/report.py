"""The recommendation report: what ``advisor recommend --json`` prints and the TUI shows.

Keys follow DESIGN.md §3 (``request``, ``hardware``, ``strategy.{approach,reasons}``,
``recommendations[]`` with ``rank``, ``model``, ``inference``, ``fine_tuning``, ``settings``,
``reasons``; ``excluded[]`` with ``model`` and ``reason``; ``warnings[]``), and add the numbers
behind each choice: memory breakdowns, the headroom kept, batch and accumulation, cost.
Memory is in bytes, speeds per second, unknown values are ``null``.
"""

from __future__ import annotations

from typing import ClassVar

from advisor.models.base import Field, Frozen
from advisor.models.catalog import DataUnit
from advisor.models.estimate import MemoryBreakdown, Method, Precision, Runtime
from advisor.models.hardware import HardwareProfile
from advisor.models.policy import Strategy, TrainingSettings
from advisor.models.request import Request
from advisor.models.task import Task


class DataSize(Frozen):
    """The user's data, and what it was converted to."""

    value: int = Field(description="As given.")
    unit: DataUnit
    examples: int = Field(ge=0, description="Training examples.")
    tokens: int = Field(ge=0, description="Training tokens per epoch (examples × seq_length).")
    seq_length: int = Field(ge=1, description="Tokens (positions) per training example.")
    conversion: str | None = Field(default=None, description="How the conversion was made.")


class Headroom(Frozen):
    """Share of memory a fit leaves free (catalog/ranking.toml [fit])."""

    gpu_fraction: float
    ram_fraction: float
    unified_usable_fraction: float


class ModelRef(Frozen):
    """The recommended model, as the catalog describes it."""

    id: str
    hf_repo: str
    name: str
    family: str
    task: Task
    params: int | None
    active_params: int | None = None
    license: str
    commercial_use: bool | None
    context_length: int | None = None
    gated: bool | None = None
    reviewed: bool = Field(default=True, description="False: a Hub record no person checked.")


class Quality(Frozen):
    """The task score used for ranking (None fields when the model has no published score)."""

    metric: str | None = None
    value: float | None = None
    benchmark: str | None = None
    source: str | None = None
    score: float = Field(description="0..1 quality part of the ranking score.")
    scored: bool = Field(
        default=False,
        description="A score comparable with the other candidates backs it; false: 'unscored',"
        " ranked by the stated prior in basis.",
    )
    basis: str | None = Field(default=None, description="What the quality part rests on.")


class ScoreParts(Frozen):
    """Each ranking part in 0..1, and the weighted total (weights in catalog/ranking.toml)."""

    quality: float
    fit: float
    speed: float
    language: float
    license: float
    total: float


class Inference(Frozen):
    """How to serve the model on this hardware."""

    precision: Precision
    runtime: Runtime
    device: str = Field(description="GPU name, or 'CPU (system RAM)'.")
    gpus: int = Field(ge=0, description="GPUs used (0: CPU only).")
    tensor_parallel: int = Field(ge=1)
    memory_bytes: int = Field(description="Peak per device (system RAM when gpus is 0).")
    device_memory_bytes: int
    headroom_bytes: int = Field(description="Memory left on each device.")
    headroom_fraction: float = Field(description="Share of memory a fit must leave free.")
    cpu_offload_bytes: int = Field(default=0, description="Layers kept in system RAM.")
    fits: bool
    decode_tokens_per_s: float | None = Field(description="Batch 1; null when not generative.")
    context_tokens: int
    breakdown: MemoryBreakdown
    command: str = Field(description="A command that starts serving it.")
    engine: str | None = Field(
        default=None,
        description=(
            "The library that serves it: vllm, llama.cpp, transformers, diffusers,"
            " faster-whisper, nemo, sentence-transformers, ultralytics, kokoro, parler-tts."
        ),
    )
    native_format: bool = Field(
        default=False, description="The precision is the checkpoint as shipped (MXFP4, FP8, AWQ)."
    )
    speed_value: float | None = Field(
        default=None, description="Serving speed in speed_unit; null when not estimated."
    )
    speed_unit: str | None = Field(
        default=None,
        description="tokens/s (text), x real-time (speech), images/s (vision), sequences/s"
        " (encoders), s/image (image generation).",
    )
    speed_basis: str | None = Field(default=None, description="How the speed was estimated.")


class MethodFit(Frozen):
    """One fine-tuning method tried: whether it fits, and its smallest memory need."""

    method: Method
    fits: bool
    memory_bytes: int = Field(description="Peak per device of its smallest set-up tried.")
    available_bytes: int = Field(description="Memory a fit may use per device.")
    detail: str


class FineTuning(Frozen):
    """How to fine-tune the model on this hardware."""

    method: Method
    fits: bool
    precision: Precision
    memory_bytes: int = Field(description="Peak per device.")
    device_memory_bytes: int
    headroom_bytes: int
    headroom_fraction: float
    breakdown: MemoryBreakdown
    devices: int = Field(ge=1)
    engine: str = Field(
        description="single-gpu, ddp, deepspeed-zero2, deepspeed-zero3, fsdp, or *-offload"
        " (fsdp-offload: FSDP + QLoRA with the shards in system RAM)."
    )
    zero_stage: int | None = None
    cpu_offload_bytes: int = 0
    batch_size: int = Field(ge=1, description="Per device, per step.")
    gradient_accumulation: int = Field(ge=1)
    effective_batch: int = Field(ge=1)
    gradient_checkpointing: bool
    seq_length: int
    train_tokens_per_s: float | None
    hours_per_epoch: float | None
    cost_usd_per_epoch: float | None = Field(description="null without a GPU price.")
    methods_tried: list[MethodFit] = Field(default_factory=list)


class Recommendation(Frozen):
    """One ranked model with its own plan: strategy, serving and fine-tuning fit, settings.

    ``strategy`` is this model's plan (the ladder read for its size, then stepped down the
    fallback chain to what fits on the hardware); ``fine_tuning`` and ``settings`` are that
    plan's method and recipe, so the three always agree (``fine_tuning`` is null, with
    ``fine_tuning_estimated`` false, where a planned training cannot be sized yet).
    """

    rank: int = Field(ge=1)
    model: ModelRef
    score: ScoreParts
    quality: Quality
    strategy: Strategy = Field(description="This model's own plan (approach, method, reasons).")
    serves_goal: bool = Field(
        description="Whether this plan does what --goal asks: it serves (serve), it trains"
        " (fine-tune), or it serves and trains when the data calls for training (both)."
    )
    same_as_headline: bool = Field(
        description="Whether this plan's approach is the report's headline strategy."
    )
    inference: Inference | None
    fine_tuning: FineTuning | None = Field(
        description="null when the strategy trains nothing, or when its memory is not"
        " estimated (fine_tuning_estimated false)."
    )
    fine_tuning_estimated: bool = Field(
        default=True,
        description="False: the strategy trains and settings give its recipe, but the"
        " estimators cannot size its memory for this architecture yet, so fine_tuning is null.",
    )
    settings: TrainingSettings | None
    reasons: list[str]
    downloaded: bool | None = Field(
        default=None, description="Weights already in the local Hugging Face cache."
    )
    size_on_disk_bytes: int | None = Field(
        default=None, description="What the cached repo takes on disk; null if not downloaded."
    )


class Headline(Frozen):
    """Where the report's headline strategy comes from, and why."""

    model: str | None = Field(
        description="Id of the recommendation whose plan is the headline; null when none is."
    )
    rank: int | None = Field(default=None, description="That recommendation's rank.")
    reason: str = Field(description="One sentence naming the deciding fact.")


class Excluded(Frozen):
    """A candidate that is not recommended, and why, with the numbers."""

    model: str
    reason: str
    kind: str = Field(
        description="license, language, context, size-unknown, memory, fine-tuning, speed,"
        " or budget"
    )
    needed_bytes: int | None = None
    available_bytes: int | None = None


class Report(Frozen):
    """The answer to a recommendation request."""

    __schema_version__: ClassVar[str] = "2"
    """Version 2: each recommendation carries its own plan; the headline says where it comes
    from; ``excluded`` holds only filtered-out models; ``recommendations`` may hold all."""

    def trimmed(self, top: int) -> Report:
        """The same report with only the first ``top`` recommendations."""
        if len(self.recommendations) <= top:
            return self
        return self.model_copy(update={"recommendations": self.recommendations[:top]})

    request: Request
    hardware: HardwareProfile
    data: DataSize
    strategy: Strategy = Field(
        description="The headline: the plan of the best-ranked recommendation whose plan"
        " serves the goal (see headline)."
    )
    headline: Headline
    headroom: Headroom
    recommendations: list[Recommendation] = Field(
        description="Every model that fits, best first (the CLI prints the first --top)."
    )
    ranked: int = Field(
        default=0, ge=0, description="How many models were ranked before --top trimmed the list."
    )
    excluded: list[Excluded]
    warnings: list[str]
    assumptions: list[str] = Field(default_factory=list)
