"""Serving formats per device: which precisions and runtimes a model is tried in, best first.

The policy's ladders (``catalog/recommend/ranking.toml`` [serving]) say what to try in
general; this module bends them to what the device can really run, from its architecture
table (``catalog/gpus.toml`` [[architectures]], ``advisor.gpus.architecture_of``), and to the
format the checkpoint ships in:

- 16-bit work runs in bf16 only where the architecture has BF16 math, else in fp16 (T4, V100,
  Apple GPUs).
- FP8 only with FP8 matrix math (Ada, Hopper, Blackwell, MI300-class, Gaudi).
- INT8 W8A8, AWQ and GPTQ only where vLLM has kernels for the device; int4 without them goes
  through llama.cpp GGUF (AMD GPUs, Volta's AWQ becomes GPTQ).
- A checkpoint that ships quantised is served as shipped: gpt-oss's MXFP4 experts (vLLM where
  it has MXFP4 kernels, else llama.cpp's MXFP4 GGUF), FP8 checkpoints in FP8 where the device
  has FP8, AWQ/GPTQ repos in their own format.
- Models that are not token-by-token LLMs (encoders, vision, speech, diffusion, Bark) never get
  vLLM or llama.cpp formats: they run at 16 bit (or fp32 on a CPU) in their own runtime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from advisor.models.arch import ArchType
from advisor.models.estimate import Precision, Runtime
from advisor.models.task import Task
from advisor.recommend.fit import Profile, ServeFit, Target
from advisor.recommend.weights import Policy, policy

if TYPE_CHECKING:
    from advisor.estimate.modality_speed import Speed
    from advisor.models.arch import ModelArch
    from advisor.models.catalog import ModelSpec

LLM_TASKS = frozenset(
    {
        Task.CHAT,
        Task.TEXT_GENERATION,
        Task.CODE,
        Task.QUESTION_ANSWERING,
        Task.SUMMARIZATION,
        Task.TRANSLATION,
        Task.TEXT_CLASSIFICATION,
        Task.TOKEN_CLASSIFICATION,
        Task.VISION_LANGUAGE,
    }
)
"""Tasks a decoder LLM serves by generating text: vLLM and llama.cpp run these models. A
decoder on another task (Bark's text-to-speech, an image decoder) is not one they run."""

_NATIVE: dict[str, Precision] = {
    "mxfp4": Precision.MXFP4,
    "fp8": Precision.FP8,
    "awq": Precision.AWQ_INT4,
    "gptq": Precision.GPTQ_INT4,
}
"""``quantization_config.quant_method`` values of shipped checkpoints, as formats."""


class Step(NamedTuple):
    """One format to try: precision, runtime, whether it is the shipped checkpoint, notes."""

    precision: Precision
    runtime: Runtime
    native: bool = False
    notes: tuple[str, ...] = ()


def native_format(model: ModelSpec) -> Precision | None:
    """The quantised format the checkpoint ships in (config ``quantization_config``, or
    ``native_dtype = "fp8"``); None for plain 16/32-bit checkpoints."""
    qc = (model.config or {}).get("quantization_config")
    if isinstance(qc, dict):
        found = _NATIVE.get(str(qc.get("quant_method", "")).lower())
        if found is not None:
            return found
    if model.native_dtype == "fp8":
        return Precision.FP8
    return None


def serving_profile(model: ModelSpec, task: Task) -> Profile:
    """How the model is served for ``task``: as an LLM (decoder on a text task) or not."""
    llm = model.architecture is ArchType.DECODER and task in LLM_TASKS
    tokens = task in LLM_TASKS and model.architecture in (
        ArchType.DECODER,
        ArchType.ENCODER_DECODER,
    )
    return Profile(llm=llm, native=native_format(model) if llm else None, tokens=tokens)


def serve_speed(arch: ModelArch, serve: ServeFit, task: Task) -> Speed:
    """The serving speed in the task's unit (``advisor.estimate.modality_speed``)."""
    from advisor.estimate.modality_speed import task_speed
    from advisor.estimate.quant import weights_bytes

    pol = policy()
    g = serve.target.gpu
    params = arch.params_total or 0
    positions = pol.training_seq.get(task) or serve.context
    if task in (Task.EMBEDDINGS, Task.TEXT_CLASSIFICATION, Task.TOKEN_CLASSIFICATION):
        positions = min(serve.context, 512)
    per_param = weights_bytes(arch, serve.precision) / params if params else 2.0
    return task_speed(
        task,
        params=params,
        positions=positions,
        encoder_decoder=arch.arch_type is ArchType.ENCODER_DECODER,
        tokens_per_s=serve.decode_tokens_per_s,
        tensor_tflops=g.bf16_tflops if g is not None else None,
        bandwidth_bytes_per_s=g.memory_bandwidth_bytes_per_s if g is not None else None,
        bytes_per_param=per_param,
        on_cpu=serve.gpus == 0 and not serve.offload_bytes,
    )


def _half(target: Target) -> Precision:
    return target.half if target.kind != "cpu" else Precision.BF16


def _int4(target: Target) -> Step:
    caps = target.caps
    if caps is None or caps.awq is not False:
        return Step(Precision.AWQ_INT4, Runtime.VLLM)
    if caps.gptq:
        return Step(Precision.GPTQ_INT4, Runtime.VLLM, notes=("vLLM has no AWQ kernels here",))
    return Step(
        Precision.GGUF_Q4_K_M,
        Runtime.LLAMA_CPP,
        notes=(f"vLLM has no int4 (AWQ/GPTQ) kernels for {caps.name}; llama.cpp GGUF instead",),
    )


def _gpu_llm(target: Target, pol: Policy) -> list[Step]:
    caps = target.caps
    g = target.gpu
    fp8_ok = caps.fp8 is True if caps is not None else bool(g is not None and g.fp8)
    out: list[Step] = []
    for p in pol.ladder_gpu:
        if p is Precision.BF16 or p is Precision.FP16:
            half = _half(target)
            note = (
                ()
                if half is p
                else (f"{half.value}: {caps.name if caps else 'this GPU'} has no BF16",)
            )
            out.append(Step(half, Runtime.VLLM, notes=note))
        elif p is Precision.FP8:
            if fp8_ok:
                out.append(Step(p, Runtime.VLLM))
        elif p is Precision.INT8:
            if caps is None or caps.int8 is not False:
                out.append(Step(p, Runtime.VLLM))
        elif p in (Precision.AWQ_INT4, Precision.GPTQ_INT4):
            out.append(_int4(target))
        elif p.is_gguf:
            out.append(Step(p, Runtime.LLAMA_CPP))
        else:
            out.append(Step(p, Runtime.VLLM))
    return out


def _native_steps(native: Precision, target: Target, rest: list[Step]) -> list[Step]:
    caps = target.caps
    shipped = "the checkpoint as shipped"
    if native is Precision.MXFP4:
        if target.kind == "gpu" and (caps is None or caps.mxfp4 is True):
            return [Step(native, Runtime.VLLM, True, (f"MXFP4 experts: {shipped}",))]
        where = caps.name if caps is not None and target.kind == "gpu" else target.name
        return [
            Step(
                native,
                Runtime.LLAMA_CPP,
                True,
                (
                    f"MXFP4 experts: {shipped}, through llama.cpp"
                    f" (no vLLM MXFP4 kernels on {where})",
                ),
            )
        ]
    if native is Precision.FP8:
        if target.kind == "gpu" and caps is not None and caps.fp8 is True:
            return [Step(native, Runtime.VLLM, True, (f"FP8: {shipped}",)), *rest]
        return rest
    # AWQ / GPTQ repos: their own format where vLLM has the kernels, else a GGUF conversion.
    if target.kind == "gpu":
        step = _int4(target)
        if step.precision is native or caps is None:
            return [Step(native, Runtime.VLLM, True, (f"{native.value}: {shipped}",))]
        return [step]
    return [s for s in rest if s.precision.is_gguf and "q4" in s.precision.value] or rest


def serving_ladder(profile: Profile, target: Target, pol: Policy) -> list[Step]:
    """The formats to try on ``target``, best first (see the module docstring)."""
    if target.kind == "cpu":
        if not profile.llm:
            return [Step(p, Runtime.TRANSFORMERS) for p in pol.ladder_cpu_other]
        rest = [Step(p, Runtime.LLAMA_CPP) for p in pol.ladder_cpu]
    elif target.kind == "unified":
        if not profile.llm:
            return [Step(_fix_half(p, target), Runtime.TRANSFORMERS) for p in pol.ladder_gpu_other]
        rest = [
            Step(_fix_half(p, target), Runtime.LLAMA_CPP)
            if not p.is_gguf
            else Step(p, Runtime.LLAMA_CPP)
            for p in pol.ladder_unified
        ]
    else:
        if not profile.llm:
            return _gpu_other(target, pol)
        rest = _gpu_llm(target, pol)
    if profile.native is not None:
        return _native_steps(profile.native, target, rest)
    return rest


def _fix_half(p: Precision, target: Target) -> Precision:
    if p in (Precision.BF16, Precision.FP16):
        return _half(target)
    return p


def _gpu_other(target: Target, pol: Policy) -> list[Step]:
    caps = target.caps
    out: list[Step] = []
    for p in pol.ladder_gpu_other:
        half = _fix_half(p, target)
        if p is Precision.INT8 and target.gpu is not None and target.gpu.vendor.value != "nvidia":
            continue  # LLM.int8() (bitsandbytes) is a CUDA kernel
        note = (
            (f"{half.value}: {caps.name} has no BF16",)
            if caps is not None and half is not p
            else ()
        )
        out.append(Step(half, Runtime.TRANSFORMERS, notes=note))
    return out


__all__ = [
    "LLM_TASKS",
    "Step",
    "native_format",
    "serve_speed",
    "serving_ladder",
    "serving_profile",
]
