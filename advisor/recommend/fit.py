"""Fit: the best serving configuration each model gets on the hardware, and what serving and
fine-tuning share (targets, set-ups, the fast memory sums); ``train_fit`` holds the fine-tuning
plans.

Promises:

- A fit is claimed only when the estimators' peak memory per device is at most
  ``(1 - headroom) × usable memory`` (``catalog/ranking.toml`` [fit]); the numbers here are the
  ones ``advisor.estimate.estimate`` returns for the same set-up (a test checks this for the
  whole catalog).
- Serving tries formats best-first (``[serving]`` ladders), and for each format 1, 2, 4, ...
  tensor-parallel GPUs up to the GPUs given; then a GPU + system-RAM split (llama.cpp
  ``--n-gpu-layers``), then CPU-only in system RAM. The first that fits wins.

The hot loop calls the estimators' pure functions with set-ups shared across models (no records
built per model); ``advisor.recommend`` re-runs ``estimate()`` for the reported few.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from advisor.estimate import kv_element_bytes, training_share
from advisor.estimate.constants import (
    ALLOCATOR_SLACK_FRACTION,
    COMPILED_LAYER_OVERHEAD_S,
    CUDA_CONTEXT_BYTES,
    DECODE_BANDWIDTH_EFFICIENCY,
)
from advisor.estimate.memory import dims, inference_activation_bytes, kv_cache_bytes
from advisor.estimate.parallel import DeviceShare, per_device
from advisor.estimate.quant import bytes_read_per_token, weights_bytes
from advisor.estimate.throughput import decode_tokens_per_s
from advisor.gpus import GpuArchitecture, architecture_of
from advisor.models.arch import ArchType, ModelArch
from advisor.models.estimate import EstimateSetup, Precision, Runtime
from advisor.models.hardware import GpuInfo, HardwareProfile
from advisor.recommend.weights import Policy

if TYPE_CHECKING:
    from advisor.recommend.ladders import Step

GENERATIVE = frozenset({ArchType.DECODER})
"""Architectures served token by token from quantized LLM formats (vLLM, llama.cpp)."""


@dataclass(frozen=True)
class Target:
    """Somewhere a model can run: a group of identical GPUs, or the CPU with system RAM."""

    kind: Literal["gpu", "unified", "cpu"]
    name: str
    count: int
    memory_bytes: int
    """Per device (system RAM for the CPU)."""
    budget_bytes: int
    """Per device: what a fit may use after the headroom."""
    headroom: float
    """Share of memory kept free."""
    gpu: GpuInfo | None
    half: Precision = Precision.BF16
    """The 16-bit float this device computes in: bf16 where its architecture has BF16 math
    (gpus.toml [[architectures]]), else fp16 (T4, V100, Apple GPUs); bf16 on the CPU."""
    caps: GpuArchitecture | None = None
    """The device's architecture table (None: not known)."""


def half_precision(caps: GpuArchitecture | None) -> Precision:
    """bf16 when the architecture has BF16 math or is not known, else fp16 (FP16 tensor
    cores since Volta; fp32 master weights + fp16 autocast is the pre-Ampere training recipe,
    Micikevicius et al. 2018, arXiv 1710.03740)."""
    if caps is None or caps.bf16 is True:
        return Precision.BF16
    return Precision.FP16


def targets(hardware: HardwareProfile, pol: Policy) -> tuple[Target | None, Target | None]:
    """The GPU group to plan on (largest memory, as ``estimate`` picks) and the CPU target."""
    gpu_target = None
    known = [g for g in hardware.gpus if g.memory_bytes]
    if known:
        g = max(known, key=lambda x: (x.memory_bytes or 0, x.count))
        mem = g.memory_bytes or 0
        caps = architecture_of(g)
        half = half_precision(caps)
        if g.unified_memory:
            share = min(1 - pol.gpu_headroom, pol.unified_usable_fraction)
            gpu_target = Target(
                "unified", g.name, 1, mem, int(mem * share), 1 - share, g, half, caps
            )
        else:
            budget = int(mem * (1 - pol.gpu_headroom))
            gpu_target = Target(
                "gpu", g.name, g.count, mem, budget, pol.gpu_headroom, g, half, caps
            )
    cpu_target = None
    unified = gpu_target is not None and gpu_target.kind == "unified"
    if hardware.ram_bytes and not unified:
        ram = hardware.ram_bytes
        budget = int(ram * (1 - pol.ram_headroom))
        cpu_target = Target("cpu", "CPU (system RAM)", 1, ram, budget, pol.ram_headroom, None)
    return gpu_target, cpu_target


@lru_cache(maxsize=4096)
def setup_for(**fields: Any) -> EstimateSetup:
    """One shared, validated ``EstimateSetup`` per distinct set of fields."""
    return EstimateSetup(**fields)  # runs EstimateSetup's checks


def _total(share: DeviceShare) -> int:
    tensors = share.weights + share.kv_cache + share.activations + share.gradients + share.optimizer
    return tensors + round(CUDA_CONTEXT_BYTES + ALLOCATOR_SLACK_FRACTION * tensors)


def serving_bytes(arch: ModelArch, setup: EstimateSetup) -> int:
    """Peak bytes per device of an inference set-up, as ``estimate()`` computes them."""
    d = dims(arch)
    share = per_device(
        setup,
        weights=weights_bytes(arch, setup.precision),
        master_and_adapters=0,
        gradients=0,
        optimizer=0,
        activations=inference_activation_bytes(
            arch, setup.seq, setup.batch, flash_attention=setup.flash_attention
        ),
        kv_cache=kv_cache_bytes(arch, setup.seq + setup.gen, setup.batch, kv_element_bytes(setup)),
        layers=d.layers if d else 1,
    )
    return _total(share)


def training_bytes(arch: ModelArch, setup: EstimateSetup) -> tuple[int, int]:
    """Peak bytes per device of a training set-up and host bytes it offloads (as ``estimate``)."""
    share = training_share(arch, setup, [])
    return _total(share), share.cpu


def training_estimated(arch: ModelArch, setup: EstimateSetup) -> bool:
    """Whether the estimators size this training set-up for real: a plan with no activation
    memory is the weights alone (parameter-only architectures: diffusion pipelines, YOLO,
    Parler-TTS, ...), which would show training as cheap as serving. Such plans are reported
    as "not estimated" instead."""
    return training_share(arch, setup, []).activations > 0


# ----------------------------------------------------------------------------- serving


class ServeFit(NamedTuple):
    """The serving configuration chosen for a model."""

    precision: Precision
    runtime: Runtime
    target: Target
    gpus: int
    """Devices used (0: CPU only)."""
    memory_bytes: int
    """Peak per device (system RAM on CPU)."""
    offload_bytes: int
    """Bytes in system RAM next to the GPU share (llama.cpp layer split)."""
    decode_tokens_per_s: float | None
    context: int
    gen_tokens: int
    setup: EstimateSetup
    native: bool = False
    """The format is the checkpoint as shipped (MXFP4, FP8, AWQ/GPTQ repos)."""
    notes: tuple[str, ...] = ()
    """Why this format (hardware limits, speed), for the row's reasons."""

    @property
    def headroom_bytes(self) -> int:
        """Memory left on each device."""
        return self.target.memory_bytes - self.memory_bytes


class Shortfall(NamedTuple):
    """Why nothing fitted: the smallest need found, against the memory it had to fit in."""

    what: str
    needed_bytes: int
    budget_bytes: int
    memory_bytes: int


def _tp_counts(arch: ModelArch, count: int) -> list[int]:
    """1, 2, 4, ... up to ``count`` (tensor parallel needs the heads to divide evenly)."""
    heads = arch.num_attention_heads
    out, n = [], 1
    while n <= count:
        if n == 1 or heads is None or heads % n == 0:
            out.append(n)
        n *= 2
    return out


def _cpu_decode(arch: ModelArch, precision: Precision, tokens: int, pol: Policy) -> float:
    """Tokens/s of llama.cpp on the CPU: bytes streamed per token over the RAM bandwidth."""
    d = dims(arch)
    layers = d.layers if d else 1
    step = bytes_read_per_token(arch, precision) + kv_cache_bytes(arch, tokens, 1, 2.0)
    bw = pol.cpu_bandwidth_bytes_per_s * pol.cpu_bandwidth_efficiency
    return 1.0 / (step / bw + layers * COMPILED_LAYER_OVERHEAD_S)


class Profile(NamedTuple):
    """What serving a model needs: whether it is a token-by-token LLM (vLLM / llama.cpp
    formats) and the format its checkpoint ships in (``native_format``)."""

    llm: bool
    native: Precision | None = None
    tokens: bool = True
    """Its output is text, so its speed is decode tokens/s (False: ASR, TTS, vision...)."""


def generated_tokens(arch: ModelArch, pol: Policy) -> int:
    """Tokens a served request generates: ``serving_gen_tokens`` for decoders and
    encoder-decoders, 0 for encoders and other one-pass models."""
    if arch.arch_type in (ArchType.DECODER, ArchType.ENCODER_DECODER):
        return pol.serving_gen_tokens
    return 0


def serve_fit(
    arch: ModelArch,
    gpu_t: Target | None,
    cpu_t: Target | None,
    context: int,
    pol: Policy,
    profile: Profile | None = None,
) -> ServeFit | Shortfall:
    """The first serving configuration that fits, else the smallest shortfall.

    Formats come from ``ladders.serving_ladder``: what the device's architecture runs
    (gpus.toml [[architectures]]) and the checkpoint as shipped. On a CPU or unified memory the
    highest-precision fit that reaches ``[speed] usable_tokens_per_s`` wins, else the fastest
    fit (and the row says it is slow)."""
    from advisor.recommend.ladders import serving_ladder

    if profile is None:
        profile = Profile(arch.arch_type in GENERATIVE)
    tokens = profile.tokens
    generative = profile.llm
    gen = generated_tokens(arch, pol)
    best_miss: Shortfall | None = None

    def consider(setup: EstimateSetup, target: Target, what: str) -> int:
        nonlocal best_miss
        need = serving_bytes(arch, setup)
        if need > target.budget_bytes:
            miss = Shortfall(what, need, target.budget_bytes, target.memory_bytes)
            if best_miss is None or need - target.budget_bytes < (
                best_miss.needed_bytes - best_miss.budget_bytes
            ):
                best_miss = miss
        return need

    if gpu_t is not None and gpu_t.gpu is not None:
        g = gpu_t.gpu
        steps = serving_ladder(profile, gpu_t, pol)
        if gpu_t.kind == "unified" and generative:
            fit = _speed_first(arch, steps, gpu_t, context, gen, pol, consider)
            if fit is not None:
                return fit
        else:
            for step in steps:
                for n in _tp_counts(arch, gpu_t.count):
                    setup = setup_for(
                        precision=step.precision,
                        seq=context,
                        gen=gen,
                        gpus=n,
                        tensor_parallel=n,
                        runtime=step.runtime,
                    )
                    what = f"{step.precision.value} on {n}× {gpu_t.name}"
                    need = consider(setup, gpu_t, what)
                    if need <= gpu_t.budget_bytes:
                        speed = _gpu_decode(arch, setup, g) if tokens and gen else None
                        return ServeFit(
                            step.precision, step.runtime, gpu_t, n, need, 0, speed, context,
                            gen, setup, step.native, step.notes,
                        )  # fmt: skip
        if generative and cpu_t is not None and gpu_t.kind == "gpu":
            fmt = Precision.MXFP4 if profile.native is Precision.MXFP4 else pol.offload_format
            split = _offload_fit(arch, gpu_t, cpu_t, context, gen, pol, fmt)
            if split is not None:
                return split
    if cpu_t is not None:
        steps = serving_ladder(profile, cpu_t, pol)
        if generative:
            fit = _speed_first(arch, steps, cpu_t, context, gen, pol, consider)
            if fit is not None:
                return fit
        else:
            for step in steps:
                setup = setup_for(
                    precision=step.precision, seq=context, gen=gen, runtime=step.runtime
                )
                need = consider(setup, cpu_t, f"{step.precision.value} on the CPU")
                if need <= cpu_t.budget_bytes:
                    speed = (
                        _cpu_decode(arch, step.precision, context + gen // 2, pol)
                        if tokens and gen
                        else None
                    )
                    return ServeFit(
                        step.precision, step.runtime, cpu_t, 0, need, 0, speed, context, gen,
                        setup, step.native, step.notes,
                    )  # fmt: skip
    if best_miss is None:
        return Shortfall("no GPU memory or RAM size is known", 0, 0, 0)
    return best_miss


def _speed_first(
    arch: ModelArch,
    steps: list[Step],
    target: Target,
    context: int,
    gen: int,
    pol: Policy,
    consider: Any,
) -> ServeFit | None:
    """On a CPU or unified memory (bandwidth-bound, one device): the highest-precision fit
    whose decode reaches ``usable_tokens_per_s``; else the fastest fit, marked slow."""
    fits: list[ServeFit] = []
    for step in steps:
        setup = setup_for(precision=step.precision, seq=context, gen=gen, runtime=step.runtime)
        where = "the CPU" if target.kind == "cpu" else target.name
        need = consider(setup, target, f"{step.precision.value} on {where}")
        if need > target.budget_bytes:
            continue
        if target.kind == "cpu" or target.gpu is None:
            speed: float | None = _cpu_decode(arch, step.precision, context + gen // 2, pol)
        else:
            speed = _gpu_decode(arch, setup, target.gpu)
        gpus = 0 if target.kind == "cpu" else 1
        fit = ServeFit(
            step.precision, step.runtime, target, gpus, need, 0, speed, context, gen, setup,
            step.native, step.notes,
        )  # fmt: skip
        if speed is None or speed >= pol.usable_tokens_per_s:
            if fits:
                slow = fits[0]
                note = (
                    f"{step.precision.value} rather than {slow.precision.value}: ~{speed or 0:.0f}"
                    f" tokens/s instead of ~{slow.decode_tokens_per_s or 0:.1f}"
                    f" (aim: {pol.usable_tokens_per_s:g} tokens/s)"
                )
                return fit._replace(notes=(*fit.notes, note))
            return fit
        fits.append(fit)
    if not fits:
        return None
    best = max(fits, key=lambda f: f.decode_tokens_per_s or 0.0)
    note = (
        f"the fastest format that fits ({best.precision.value}) reaches only"
        f" ~{best.decode_tokens_per_s or 0:.1f} tokens/s on {target.name}, below the"
        f" {pol.usable_tokens_per_s:g} tokens/s aimed for"
    )
    return best._replace(notes=(*best.notes, note))


def _gpu_decode(arch: ModelArch, setup: EstimateSetup, gpu: GpuInfo) -> float | None:
    d = dims(arch)
    return decode_tokens_per_s(
        weight_bytes_read=bytes_read_per_token(arch, setup.precision),
        kv_bytes_read_per_seq=kv_cache_bytes(
            arch, setup.seq + setup.gen // 2, 1, kv_element_bytes(setup)
        ),
        batch=setup.batch,
        layers=d.layers if d else 1,
        gpu=gpu,
        setup=setup,
    )


def _offload_fit(
    arch: ModelArch,
    gpu_t: Target,
    cpu_t: Target,
    context: int,
    gen: int,
    pol: Policy,
    precision: Precision,
) -> ServeFit | None:
    """llama.cpp with part of the layers in system RAM (``--n-gpu-layers``), in ``precision``
    (the policy's offload GGUF type, or the shipped MXFP4 of gpt-oss)."""
    setup = setup_for(precision=precision, seq=context, gen=gen, runtime=Runtime.LLAMA_CPP)
    need = serving_bytes(arch, setup)
    if need > gpu_t.budget_bytes + cpu_t.budget_bytes or gpu_t.gpu is None:
        return None
    on_gpu = gpu_t.budget_bytes
    host = need - on_gpu + CUDA_CONTEXT_BYTES  # the context stays on the GPU
    if host > cpu_t.budget_bytes:
        return None
    share = on_gpu / need
    step = bytes_read_per_token(arch, precision)
    bw_gpu = gpu_t.gpu.memory_bandwidth_bytes_per_s
    speed = None
    if bw_gpu:
        cpu_bw = pol.cpu_bandwidth_bytes_per_s * pol.cpu_bandwidth_efficiency
        gpu_bw = bw_gpu * DECODE_BANDWIDTH_EFFICIENCY
        speed = 1.0 / (step * share / gpu_bw + step * (1 - share) / cpu_bw)
    native = precision is Precision.MXFP4
    return ServeFit(
        precision, Runtime.LLAMA_CPP, gpu_t, 1, on_gpu, host, speed, context, gen, setup, native
    )


__all__ = [
    "Profile",
    "ServeFit",
    "Shortfall",
    "Target",
    "generated_tokens",
    "serve_fit",
    "serving_bytes",
    "setup_for",
    "targets",
    "training_bytes",
    "training_estimated",
]
