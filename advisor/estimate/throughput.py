"""Speed, time and cost: FLOPs per token, decode from memory bandwidth, prefill and training
from peak FLOP/s × utilisation.

- Forward FLOPs per token ≈ 2·N (active parameters) plus attention ``4·L·ctx·(a·d)`` for the
  score and value matmuls; training ≈ 3× forward = 6·N (Kaplan et al. 2020, arXiv 2001.08361
  §2.1; EleutherAI "Transformer Math 101"), 4·N with a frozen base, +2·N with recomputation.
- A decode step streams every active weight and the KV cache once: ``advisor.estimate.decode``
  holds the per-runtime model (bandwidth efficiency, launch and engine costs, all-reduce).
"""

from __future__ import annotations

from advisor.estimate.constants import (
    FP32_PEAK_FRACTION,
    FROZEN_BACKWARD_FLOPS_FACTOR,
    MFU_LARGE_SCALE,
    MFU_PREFILL,
    MFU_SINGLE_NODE,
    RECOMPUTE_FLOPS_FACTOR,
)
from advisor.estimate.decode import decode_terms, model_for, step_seconds
from advisor.estimate.memory import dims
from advisor.models.arch import ModelArch
from advisor.models.estimate import EstimateSetup, Method, Mode, Precision
from advisor.models.hardware import GpuInfo

LARGE_SCALE_GPUS = 64
"""Above this many GPUs we assume a Megatron/DeepSpeed pre-training stack (MFU_LARGE_SCALE)."""


def active_params(arch: ModelArch) -> int:
    """Parameters used per token (MoE: the active ones)."""
    return arch.params_active or arch.params_total


def forward_flops_per_token(arch: ModelArch, context: int) -> float:
    """Forward FLOPs for one token attending to ``context`` positions."""
    n = active_params(arch)
    d = dims(arch)
    attn = 0.0
    if d is not None:
        attn = 4.0 * d.layers * context * d.heads * d.head_dim
    return 2.0 * n + attn


def training_flops_per_token(arch: ModelArch, setup: EstimateSetup) -> float:
    """Forward + backward FLOPs per trained token (attention at half the sequence, causal)."""
    fwd = forward_flops_per_token(arch, setup.seq // 2 or 1)
    factor = 3.0
    if setup.method in (Method.LORA, Method.QLORA):
        factor *= FROZEN_BACKWARD_FLOPS_FACTOR
    elif setup.method is Method.FREEZE:
        factor = 1.0 + 2.0 * (1 - setup.freeze_fraction)
    if setup.gradient_checkpointing:
        factor += RECOMPUTE_FLOPS_FACTOR * 3.0 - 3.0
    return fwd * factor


def decode_tokens_per_s(
    *,
    weight_bytes_read: float,
    kv_bytes_read_per_seq: float,
    batch: int,
    layers: int,
    gpu: GpuInfo,
    setup: EstimateSetup,
    arch: ModelArch | None = None,
    total_weight_bytes: float | None = None,
) -> float | None:
    """Generated tokens per second over the whole batch, or None without a bandwidth figure.

    The step time is the runtime's decode model (``advisor.estimate.decode``): weights and each
    sequence's cache streamed over the tensor-parallel devices, launch and engine costs, the
    tensor-parallel all-reduces, floored by compute; ``arch`` and ``total_weight_bytes`` (all
    weights) turn on the compute floor and, for MoE, the union of experts a batch touches.
    """
    terms = decode_terms(
        weight_bytes_read=weight_bytes_read,
        kv_bytes_read_per_seq=kv_bytes_read_per_seq,
        batch=batch,
        layers=layers,
        gpu=gpu,
        setup=setup,
        arch=arch,
        total_weight_bytes=total_weight_bytes,
    )
    if terms is None:
        return None
    return batch / step_seconds(terms, model_for(setup.runtime))


def peak_flops(gpu: GpuInfo, setup: EstimateSetup) -> float | None:
    """Peak FLOP/s of one device for the set-up's compute dtype (16-bit tensor unless fp32)."""
    if not gpu.bf16_tflops:
        return None
    peak = gpu.bf16_tflops * 1e12
    if setup.precision is Precision.FP32 and not setup.mixed_precision:
        peak *= FP32_PEAK_FRACTION
    return peak


def prefill_tokens_per_s(arch: ModelArch, setup: EstimateSetup, gpu: GpuInfo) -> float | None:
    """Prompt tokens per second: peak × MFU_PREFILL / forward FLOPs, over the set-up's GPUs."""
    peak = peak_flops(gpu, setup)
    if peak is None:
        return None
    return setup.gpus * peak * MFU_PREFILL / forward_flops_per_token(arch, setup.seq // 2 or 1)


def train_tokens_per_s(arch: ModelArch, setup: EstimateSetup, gpu: GpuInfo) -> float | None:
    """Trained tokens per second over all GPUs: peak × MFU / training FLOPs per token."""
    if setup.mode is not Mode.TRAINING:
        return None
    peak = peak_flops(gpu, setup)
    if peak is None:
        return None
    mfu = MFU_LARGE_SCALE if setup.gpus > LARGE_SCALE_GPUS else MFU_SINGLE_NODE
    return setup.gpus * peak * mfu / training_flops_per_token(arch, setup)


def epoch_time_s(setup: EstimateSetup, tokens_per_s: float | None) -> float | None:
    """Seconds for one pass over ``setup.tokens`` (or ``examples × seq``) tokens."""
    tokens = setup.tokens
    if tokens is None and setup.examples is not None:
        tokens = setup.examples * setup.seq
    if tokens is None or not tokens_per_s:
        return None
    return tokens / tokens_per_s


def cost_usd(setup: EstimateSetup, seconds: float | None, gpu: GpuInfo | None) -> float | None:
    """GPU-hours × the GPU's hourly price, over all the set-up's GPUs."""
    if seconds is None or gpu is None or gpu.hourly_usd is None:
        return None
    return seconds / 3600 * gpu.hourly_usd * setup.gpus
