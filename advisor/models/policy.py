"""The recommender's policy answers: the adaptation strategy, training settings, export plan.

* ``Approach``: how to adapt a model (prompting ... full fine-tuning, distillation).
  ``Approach.ambition`` orders them (prompting 0 ... full 5); the recommender never lowers it as
  data grows (DESIGN.md §5).
* ``Strategy``: the chosen approach, alternatives and reasons (``advisor.recommend.strategy``).
* ``TrainingSettings``: anti-overfitting settings with one reason per setting
  (``advisor.recommend.settings``). Its JSON keys include DESIGN.md §3's ``settings.{epochs,
  learning_rate, weight_decay, dropout, warmup_ratio, early_stopping_patience,
  validation_fraction, lora}``.
* ``ExportPlan``: what ``advisor.export.write_exports`` needs to write ready-to-run files.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from advisor.errors import InvalidValueError
from advisor.models.base import Field, Frozen, model_check
from advisor.models.estimate import Method, Optimizer, Precision, Runtime
from advisor.models.task import Task


class Approach(StrEnum):
    """A way to adapt a model to a task; values are the JSON / CLI spellings."""

    PROMPTING = "prompting"
    FEW_SHOT = "few-shot"
    RAG = "rag"
    PRETRAINED = "pretrained"
    LINEAR_PROBE = "linear-probe"
    FREEZE = "freeze"
    LORA = "lora"
    QLORA = "qlora"
    FULL = "full"
    DISTILLATION = "distillation"

    @property
    def ambition(self) -> int:
        """How much the approach changes the model: 0 (use as is) to 5 (update every weight)."""
        return _AMBITION[self]

    @property
    def trains(self) -> bool:
        """Whether the approach runs a training job."""
        return self.ambition >= 2

    @property
    def method(self) -> Method | None:
        """The estimator's fine-tuning method for this approach; None when nothing trains.

        A linear probe is estimated as ``freeze`` (every pretrained layer frozen); distillation
        trains the student fully.
        """
        return _METHOD.get(self)


_AMBITION: dict[Approach, int] = {
    Approach.PROMPTING: 0,
    Approach.PRETRAINED: 0,
    Approach.FEW_SHOT: 1,
    Approach.RAG: 1,
    Approach.LINEAR_PROBE: 2,
    Approach.FREEZE: 3,
    Approach.LORA: 4,
    Approach.QLORA: 4,
    Approach.DISTILLATION: 4,
    Approach.FULL: 5,
}

_METHOD: dict[Approach, Method] = {
    Approach.LINEAR_PROBE: Method.FREEZE,
    Approach.FREEZE: Method.FREEZE,
    Approach.LORA: Method.LORA,
    Approach.QLORA: Method.QLORA,
    Approach.FULL: Method.FULL,
    Approach.DISTILLATION: Method.FULL,
}

Goal = Literal["serve", "fine-tune", "both"]
"""What the user wants: only to serve a model, to fine-tune one, or the best of either."""


class Alternative(Frozen):
    """Another approach worth knowing about, and when it would be the better choice."""

    approach: Approach
    reason: str


class Strategy(Frozen):
    """How to adapt the model, and why (``strategy.approach`` / ``strategy.reasons`` in JSON)."""

    approach: Approach
    method: Method | None = Field(
        description="Estimator method for the approach; None: no training."
    )
    family: str = Field(description="Policy task family whose data-size ladder was used.")
    alternatives: list[Alternative] = Field(default_factory=list)
    reasons: list[str] = Field(min_length=1)
    sources: list[str] = Field(default_factory=list, description="Where the thresholds come from.")
    data_examples: int = Field(ge=0, description="Training examples the ladder was read with.")
    data_note: str | None = Field(
        default=None, description="How the user's data size was converted to examples."
    )


class LoraSettings(Frozen):
    """A LoRA adapter: PEFT ``LoraConfig`` fields."""

    rank: int = Field(ge=1)
    alpha: int = Field(ge=1)
    dropout: float = Field(ge=0.0, lt=1.0)
    targets: str = Field(description="'all-linear', 'attention', or module names joined by ','.")


class EarlyStopping(Frozen):
    """Stop when the metric stops improving; keep the best checkpoint."""

    metric: str = Field(description="Trainer metric name, e.g. 'eval_loss'.")
    patience: int = Field(ge=1, description="Evaluations without improvement before stopping.")
    mode: Literal["min", "max"]


EvalStrategy = Literal["steps", "epoch", "no"]
"""When the trainer evaluates and saves (transformers ``IntervalStrategy``)."""


class TrainingSettings(Frozen):
    """Training settings for one approach, task and data size, each with its reason."""

    approach: Approach
    epochs: int = Field(ge=1)
    learning_rate: float = Field(gt=0)
    lr_scheduler: str = Field(description="transformers SchedulerType value.")
    warmup_ratio: float = Field(ge=0.0, lt=1.0)
    per_device_batch: int = Field(ge=1)
    gradient_accumulation: int = Field(ge=1)
    gpus: int = Field(ge=1)
    effective_batch: int = Field(ge=1, description="per_device_batch × gpus × accumulation.")
    optimizer: Optimizer
    weight_decay: float = Field(ge=0.0)
    dropout: float = Field(
        ge=0.0, lt=1.0, description="Adapter dropout for LoRA/QLoRA, else the model's dropout."
    )
    lora: LoraSettings | None = None
    early_stopping: EarlyStopping | None = None
    early_stopping_patience: int | None = Field(
        default=None, description="Same as early_stopping.patience."
    )
    validation_fraction: float = Field(ge=0.0, lt=1.0)
    label_smoothing: float = Field(ge=0.0, lt=1.0)
    max_grad_norm: float = Field(gt=0)
    augmentation: list[str] = Field(default_factory=list)
    eval_strategy: EvalStrategy
    eval_steps: int | None = Field(default=None, description="With eval_strategy 'steps'.")
    save_strategy: EvalStrategy
    seed: int = 42
    reasons: dict[str, str] = Field(description="One reason (with its source) per setting.")


Engine = Literal["deepspeed", "fsdp"]
"""Multi-GPU training engines the exports configure."""


class ExportPlan(Frozen):
    """What the export writer needs about the top pick (the core recommender builds it)."""

    model_id: str
    hf_repo: str
    task: Task
    approach: Approach
    settings: TrainingSettings | None = Field(default=None, description="None: nothing trains.")
    runtime: Runtime = Runtime.TRANSFORMERS
    precision: Precision = Precision.BF16
    mixed_precision: Literal["bf16", "fp16"] = Field(
        default="bf16",
        description="Training autocast dtype: fp16 on GPUs without BF16 (T4, V100).",
    )
    tensor_parallel: int = Field(default=1, ge=1, description="Serving: GPUs per replica.")
    gpus: int = Field(default=1, ge=1, description="Training: GPUs in the plan.")
    engine: Engine | None = Field(default=None, description="Multi-GPU training engine.")
    zero_stage: int | None = Field(default=None, ge=0, le=3, description="DeepSpeed ZeRO stage.")
    cpu_offload: bool = False
    gradient_checkpointing: bool = False
    max_seq_length: int | None = Field(default=None, ge=1)
    gguf_file: str | None = Field(default=None, description="llama.cpp: the .gguf file to load.")

    @model_check
    def _check(self) -> None:
        if self.approach.trains and self.settings is None:
            raise InvalidValueError(
                f"approach {self.approach.value} trains but the export plan has no settings",
                "pass the TrainingSettings from advisor.recommend.settings.training_settings",
            )
        if self.engine == "fsdp" and self.zero_stage is not None:
            raise InvalidValueError("choose either ZeRO or FSDP, not both", None)
