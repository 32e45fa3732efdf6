"""Inputs and outputs of the memory / speed / cost estimators (``advisor estimate``).

``EstimateSetup`` is what the user asks about (mode, method, precision, batch, parallelism...);
it validates itself and raises ``InvalidValueError`` with a one-line message and a hint.
``Estimate`` is the answer; its JSON keys follow DESIGN.md §3 (``memory.total_bytes``,
``memory.breakdown.*_bytes``, ``throughput.*_per_s``, ``fits``, ``assumptions``).
"""

from __future__ import annotations

from enum import StrEnum

from advisor.errors import InvalidValueError
from advisor.models.base import Field, Frozen, model_check
from advisor.models.hardware import MAX_GPUS


class Mode(StrEnum):
    """Serve the model, or fine-tune it."""

    INFERENCE = "inference"
    TRAINING = "training"


class Method(StrEnum):
    """How the weights are adapted when training."""

    FULL = "full"
    LORA = "lora"
    QLORA = "qlora"
    FREEZE = "freeze"


class Optimizer(StrEnum):
    """Optimizers whose state size is modelled."""

    ADAMW = "adamw"
    ADAMW_8BIT = "adamw-8bit"
    PAGED_ADAMW = "paged-adamw"
    PAGED_ADAMW_8BIT = "paged-adamw-8bit"
    SGD = "sgd"
    ADAFACTOR = "adafactor"


class Runtime(StrEnum):
    """Serving / training engines; they differ in overhead and speed."""

    TRANSFORMERS = "transformers"
    VLLM = "vllm"
    LLAMA_CPP = "llama.cpp"
    MLC = "mlc"
    EXLLAMA = "exllama"
    TENSORRT_LLM = "tensorrt-llm"
    SGLANG = "sglang"
    TGI = "tgi"


class Precision(StrEnum):
    """Weight storage formats: plain dtypes, bitsandbytes / GPTQ / AWQ, and llama.cpp GGUF types."""

    FP32 = "fp32"
    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"
    INT8 = "int8"
    NF4 = "nf4"
    INT4 = "int4"
    GPTQ_INT4 = "gptq-int4"
    AWQ_INT4 = "awq-int4"
    MXFP4 = "mxfp4"
    """OCP Microscaling FP4 (E2M1, one E8M0 scale per 32 weights) on the MoE experts, the rest
    16-bit: how gpt-oss ships (served by vLLM, or llama.cpp's MXFP4 GGUF type)."""
    GGUF_Q2_K = "gguf-q2_k"
    GGUF_Q3_K_S = "gguf-q3_k_s"
    GGUF_Q3_K_M = "gguf-q3_k_m"
    GGUF_Q3_K_L = "gguf-q3_k_l"
    GGUF_Q4_0 = "gguf-q4_0"
    GGUF_Q4_1 = "gguf-q4_1"
    GGUF_Q4_K_S = "gguf-q4_k_s"
    GGUF_Q4_K_M = "gguf-q4_k_m"
    GGUF_Q5_0 = "gguf-q5_0"
    GGUF_Q5_1 = "gguf-q5_1"
    GGUF_Q5_K_S = "gguf-q5_k_s"
    GGUF_Q5_K_M = "gguf-q5_k_m"
    GGUF_Q6_K = "gguf-q6_k"
    GGUF_Q8_0 = "gguf-q8_0"
    GGUF_IQ2_XXS = "gguf-iq2_xxs"
    GGUF_IQ3_XXS = "gguf-iq3_xxs"
    GGUF_IQ4_XS = "gguf-iq4_xs"
    GGUF_IQ4_NL = "gguf-iq4_nl"

    @property
    def is_gguf(self) -> bool:
        """A llama.cpp GGUF type."""
        return self.value.startswith("gguf-")

    @property
    def is_float(self) -> bool:
        """A plain floating dtype that training can update directly."""
        return self in (Precision.FP32, Precision.BF16, Precision.FP16)


_ALIASES: dict[str, Precision] = {
    "float32": Precision.FP32,
    "float": Precision.FP32,
    "bfloat16": Precision.BF16,
    "float16": Precision.FP16,
    "half": Precision.FP16,
    "float8": Precision.FP8,
    "fp8-e4m3": Precision.FP8,
    "4bit": Precision.NF4,
    "8bit": Precision.INT8,
    "gptq": Precision.GPTQ_INT4,
    "awq": Precision.AWQ_INT4,
}


def parse_precision(text: str) -> Precision:
    """Read a precision name (case-insensitive); GGUF types with or without ``gguf-``.

    Raises ``InvalidValueError`` listing the valid names.
    """
    key = text.strip().lower().replace(" ", "")
    if key in _ALIASES:
        return _ALIASES[key]
    for candidate in (key, f"gguf-{key}", key.replace("gguf_", "gguf-")):
        try:
            return Precision(candidate)
        except ValueError:
            continue
    names = ", ".join(p.value for p in Precision)
    raise InvalidValueError(f"unknown precision {text!r}", f"use one of: {names}")


def _fail(message: str, hint: str | None = None) -> InvalidValueError:
    return InvalidValueError(message, hint)


class EstimateSetup(Frozen):
    """One question to the estimators: how the model is run or trained."""

    mode: Mode = Mode.INFERENCE
    method: Method = Field(default=Method.FULL, description="Training only.")
    precision: Precision = Field(default=Precision.BF16, description="Weight storage format.")
    mixed_precision: bool = Field(
        default=False,
        description="Training with fp32 master weights and 16-bit autocast (torch AMP).",
    )
    optimizer: Optimizer = Optimizer.ADAMW
    batch: int = Field(default=1, description="Sequences per device per step.")
    seq: int = Field(default=2048, description="Prompt (inference) or training sequence length.")
    gen: int = Field(default=0, description="Tokens generated after the prompt (inference).")
    gradient_checkpointing: bool = False
    flash_attention: bool = True
    lora_rank: int = 16
    lora_alpha: int | None = None
    lora_dropout: float = Field(
        default=0.05,
        ge=0.0,
        lt=1.0,
        description="LoRA dropout; above 0 PEFT saves a dropped copy of each target's input.",
    )
    lora_targets: tuple[str, ...] | None = Field(
        default=None,
        description="LoRA target module names or kinds ('all-linear', 'attention', 'q_proj'...);"
        " None: all linear layers except the output head.",
    )
    freeze_fraction: float = Field(
        default=0.75, description="Method freeze: share of the layers (from the bottom) frozen."
    )
    cpu_offload: bool = Field(default=False, description="Optimizer state (and ZeRO-3 params).")
    activation_offload: bool = False
    chunked_loss: bool = Field(default=False, description="No full-vocabulary fp32 logits.")
    optimizer_in_backward: bool = False
    gradients_freed: bool = Field(
        default=False,
        description="Gradients freed after each optimizer step and not accumulated"
        " (zero_grad(set_to_none=True), PyTorch >= 2.0, gradient_accumulation 1, no DeepSpeed):"
        " the peak is then the larger of the forward/loss and backward phases, not their sum.",
    )
    runtime: Runtime = Runtime.TRANSFORMERS
    gpus: int = 1
    zero: int | None = Field(default=None, description="DeepSpeed ZeRO stage 0-3.")
    fsdp: bool = Field(default=False, description="PyTorch FSDP full sharding (ZeRO-3-like).")
    tensor_parallel: int = 1
    kv_cache_precision: Precision | None = Field(
        default=None, description="None: the compute dtype (16-bit)."
    )
    gradient_accumulation: int = 1
    examples: int | None = Field(default=None, description="Training examples per epoch.")
    tokens: int | None = Field(default=None, description="Training tokens per epoch.")

    @model_check
    def _check(self) -> None:
        if self.batch < 1:
            raise _fail(f"batch must be at least 1, got {self.batch}", "use --batch 1 or more")
        if self.seq < 1:
            raise _fail(f"sequence length must be at least 1, got {self.seq}", "use --seq 1+")
        if self.gen < 0:
            raise _fail(f"generated tokens must not be negative, got {self.gen}", "use --gen 0+")
        if self.lora_rank < 1:
            raise _fail(f"LoRA rank must be at least 1, got {self.lora_rank}", "try 8, 16 or 64")
        if self.gpus < 1:
            raise _fail(f"GPU count must be at least 1, got {self.gpus}", "use --gpus 1 or more")
        if self.gpus > MAX_GPUS:
            raise _fail(
                f"--gpus {self.gpus} is more than the {MAX_GPUS} GPUs advisor plans for",
                "check the count",
            )
        if self.tensor_parallel < 1 or self.gpus % self.tensor_parallel:
            raise _fail(
                f"tensor parallel degree {self.tensor_parallel} must divide {self.gpus} GPUs",
                "pick a divisor of --gpus",
            )
        if self.gradient_accumulation < 1:
            raise _fail("gradient accumulation must be at least 1", None)
        if not 0.0 <= self.freeze_fraction <= 1.0:
            raise _fail(f"freeze fraction must be in 0..1, got {self.freeze_fraction}", None)
        if self.zero is not None and not 0 <= self.zero <= 3:
            raise _fail(f"ZeRO stage must be 0, 1, 2 or 3, got {self.zero}", "use --zero 0-3")
        if self.zero is not None and self.fsdp:
            raise _fail("choose either ZeRO or FSDP, not both", "drop --zero or --fsdp")
        for value, what in ((self.examples, "examples"), (self.tokens, "tokens")):
            if value is not None and value < 0:
                raise _fail(f"{what} must not be negative, got {value}", None)
        if self.mode is Mode.INFERENCE:
            if self.zero is not None or self.fsdp:
                raise _fail(
                    "ZeRO and FSDP shard training state; they do not apply to inference",
                    "add --mode training, or use --gpus N for tensor parallel serving",
                )
        else:
            if self.method is Method.QLORA and self.precision.is_float:
                raise _fail(
                    f"QLoRA needs a 4-bit base, got precision {self.precision.value}",
                    "use --precision nf4 (or gptq-int4), or --method lora",
                )
            if self.method in (Method.FULL, Method.FREEZE) and not self.precision.is_float:
                raise _fail(
                    f"{self.method.value} fine-tuning updates the weights and needs a float"
                    f" precision, got {self.precision.value}",
                    "use --precision bf16, or --method qlora for a quantized base",
                )
            if self.precision.is_gguf:
                raise _fail("GGUF files are for inference", "use --mode inference")


class MemoryBreakdown(Frozen):
    """Bytes per device by purpose; they add up to ``MemoryEstimate.total_bytes``."""

    weights_bytes: int = Field(ge=0)
    kv_cache_bytes: int = Field(ge=0)
    activations_bytes: int = Field(ge=0, description="Includes logits_bytes.")
    gradients_bytes: int = Field(ge=0)
    optimizer_bytes: int = Field(ge=0)
    overhead_bytes: int = Field(
        ge=0, description="CUDA context, allocator slack and runtime buffers."
    )
    logits_bytes: int = Field(default=0, ge=0, description="Part of activations: logits, loss.")


class MemoryEstimate(Frozen):
    """Peak memory on each device, and what must live in CPU RAM when offloading."""

    total_bytes: int = Field(ge=0, description="Peak per device, CUDA context included.")
    devices: int = Field(ge=1)
    breakdown: MemoryBreakdown
    cpu_offload_bytes: int = Field(default=0, ge=0, description="Host RAM for offloaded state.")


class Throughput(Frozen):
    """Speeds per device group; None where no GPU (or no speed figure) is known."""

    decode_tokens_per_s: float | None = None
    prefill_tokens_per_s: float | None = None
    train_tokens_per_s: float | None = None


class ModelSummary(Frozen):
    """The model the estimate is about."""

    id: str | None = None
    params: int
    params_active: int | None = None
    trainable_params: int | None = None
    arch_type: str


class Estimate(Frozen):
    """Memory, speed, time and cost of one set-up, with the assumptions behind them."""

    model: ModelSummary
    setup: EstimateSetup
    memory: MemoryEstimate
    throughput: Throughput
    flops_per_token: float = Field(description="Training: forward+backward; else forward.")
    epoch_time_s: float | None = None
    cost_usd: float | None = None
    fits: bool | None = Field(default=None, description="None without hardware.")
    headroom_bytes: int | None = Field(default=None, description="Device memory left (or short).")
    assumptions: list[str] = Field(default_factory=list)
