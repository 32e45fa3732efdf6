"""Fine-tuning fit: the plan each model gets on the hardware for a training method.

Promises (the serving side is ``advisor.recommend.fit``):

- Methods are tried in the order given (the strategy's), each on one GPU, then, when one is not
  enough, sharded over all GPUs with DeepSpeed ZeRO-2, ZeRO-3 (PyTorch FSDP for QLoRA, the
  FSDP+QLoRA recipe), and finally ZeRO-3 with optimizer/parameter offload to RAM. Gradient
  checkpointing is switched on only when batch 1 does not fit without it.
- A plan is claimed only when the estimators' peak memory per device is at most
  ``(1 - headroom) × usable memory``, as for serving.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple, NotRequired, TypedDict

from advisor.estimate.constants import CUDA_CONTEXT_BYTES
from advisor.estimate.quant import weights_bytes
from advisor.estimate.throughput import train_tokens_per_s
from advisor.models.arch import ModelArch
from advisor.models.estimate import EstimateSetup, Method, Mode, Optimizer, Precision
from advisor.models.hardware import Vendor
from advisor.recommend.fit import Shortfall, Target, setup_for, training_bytes


class TrainFit(NamedTuple):
    """A fine-tuning plan that fits."""

    method: Method
    setup: EstimateSetup
    target: Target
    memory_bytes: int
    host_bytes: int
    engine: str
    train_tokens_per_s: float | None

    @property
    def headroom_bytes(self) -> int:
        """Memory left on each device."""
        return self.target.memory_bytes - self.memory_bytes

    def hours_per_epoch(self, tokens: int) -> float | None:
        """Hours for one pass over ``tokens`` training tokens (None without a speed)."""
        if not self.train_tokens_per_s or tokens <= 0:
            return None if not self.train_tokens_per_s else 0.0
        return tokens / self.train_tokens_per_s / 3600

    def cost_per_epoch(self, tokens: int) -> float | None:
        """USD for one epoch at the GPU's hourly price, all devices (None without a price)."""
        hours = self.hours_per_epoch(tokens)
        g = self.target.gpu
        if hours is None or g is None or g.hourly_usd is None:
            return None
        return hours * g.hourly_usd * self.setup.gpus


class MethodFields(TypedDict):
    """The ``EstimateSetup`` fields a fine-tuning method fixes."""

    mode: Mode
    method: Method
    mixed_precision: bool
    precision: Precision
    optimizer: NotRequired[Optimizer]
    lora_rank: NotRequired[int]


def method_fields(method: Method, lora_rank: int, half: Precision = Precision.BF16) -> MethodFields:
    """How each method is run: bf16 weights with fp32 masters / adapters (mixed precision,
    the HF Trainer ``bf16=True`` recipe); QLoRA on an NF4 base with paged AdamW (QLoRA
    paper, arXiv 2305.14314 §3); freeze trains the top quarter of the layers."""
    fields = MethodFields(
        mode=Mode.TRAINING, method=method, mixed_precision=True, precision=half
    )  # half: fp16 where the GPU has no BF16 (fit.Target.half: T4, V100)
    if method is Method.QLORA:
        fields["precision"] = Precision.NF4
        fields["optimizer"] = Optimizer.PAGED_ADAMW
        fields["lora_rank"] = lora_rank
    elif method is Method.LORA:
        fields["lora_rank"] = lora_rank
    return fields


def _layouts(method: Method, count: int) -> list[tuple[str, dict[str, object]]]:
    """Ways to spread training over ``count`` GPUs, least machinery first."""
    out: list[tuple[str, dict[str, object]]] = [
        ("ddp" if count > 1 else "single-gpu", {"gpus": count})
    ]
    if count > 1:
        out.append(("deepspeed-zero2", {"gpus": count, "zero": 2}))
        if method is Method.QLORA:
            out.append(("fsdp", {"gpus": count, "fsdp": True}))
        else:
            out.append(("deepspeed-zero3", {"gpus": count, "zero": 3}))
        if method is Method.QLORA:
            # Answer.AI's FSDP + QLoRA recipe (a 70B on 2x 24 GB) offloads the NF4 shards to RAM
            # when the GPUs alone are too tight (https://www.answer.ai/posts/2024-03-06-fsdp-qlora.html).
            out.append(("fsdp-offload", {"gpus": count, "fsdp": True, "cpu_offload": True}))
        else:
            out.append(("deepspeed-zero3-offload", {"gpus": count, "zero": 3, "cpu_offload": True}))
    elif method is not Method.QLORA:
        out.append(("deepspeed-zero2-offload", {"gpus": 1, "zero": 2, "cpu_offload": True}))
    return out


def no_bitsandbytes(device: Target | None) -> str | None:
    """Why QLoRA (a bitsandbytes NF4 base with its paged optimizer) cannot run on ``device``,
    or None when it can: gpus.toml ``bnb_4bit`` is true for the device's architecture, or the
    device is an NVIDIA GPU whose architecture is not in the table (bitsandbytes' CUDA wheels
    cover compute capability 5.0 and newer). False or unknown blocks it, with the reason."""
    if device is None or device.kind == "cpu" or device.gpu is None:
        return "QLoRA needs a GPU: bitsandbytes 4-bit runs on NVIDIA CUDA GPUs"
    caps = device.caps
    if caps is None:
        return None if device.gpu.vendor is Vendor.NVIDIA else (
            f"bitsandbytes 4-bit support is not established for {device.name}"
        )  # fmt: skip
    if caps.bnb_4bit is True:
        return None
    if caps.bnb_4bit is False:
        gpus = "Apple GPUs" if caps.vendor == "apple" else f"{caps.name} GPUs"
        return f"bitsandbytes 4-bit does not run on {gpus}"
    return f"bitsandbytes 4-bit support on {caps.name} is only a preview, not relied on"


def _over(miss: Shortfall) -> float:
    """How far a shortfall overshoots its budget (the smallest one is reported)."""
    return miss.needed_bytes / max(miss.budget_bytes, 1)


def train_fit(
    arch: ModelArch,
    methods: Sequence[Method],
    gpu_t: Target | None,
    cpu_t: Target | None,
    seq: int,
    *,
    lora_rank: int = 16,
) -> tuple[TrainFit | None, list[tuple[Method, Shortfall]]]:
    """The first method (in ``methods`` order) that fits at some layout with micro-batch 1
    (``grow_batch`` then raises the batch); and the shortfall of each method tried before it.

    Layouts that keep everything on the GPUs are tried for every method before any layout that
    offloads to system RAM, so QLoRA on one GPU or FSDP + QLoRA across several (a 70B model on
    2× 24 GB) wins over LoRA with its states streamed through RAM at a fraction of the speed.
    QLoRA is skipped where bitsandbytes does not run (``no_bitsandbytes``: Apple GPUs, the CPU).
    Without a GPU the plan is CPU training in system RAM (no speed figure, so no time per
    epoch); the strategy decides whether a model is small enough for that."""
    device = gpu_t if gpu_t is not None and gpu_t.gpu is not None else cpu_t
    if device is None:
        return None, [(m, Shortfall("no GPU and no RAM size known", 0, 0, 0)) for m in methods]
    on_cpu = device.kind == "cpu"
    host_budget = cpu_t.budget_bytes if cpu_t is not None and not on_cpu else 0
    ram = cpu_t.memory_bytes if cpu_t is not None else 0
    shortfalls: dict[Method, Shortfall] = {}
    blocker = no_bitsandbytes(device)
    for offload in (False, True):
        for i, method in enumerate(methods):
            if method is Method.QLORA and blocker is not None:
                shortfalls[method] = Shortfall(blocker, 0, 0, 0)
                continue
            every: list[tuple[str, dict[str, object]]] = (
                [("cpu", {"gpus": 1})] if on_cpu else _layouts(method, device.count)
            )
            layouts = [(e, lay) for e, lay in every if bool(lay.get("cpu_offload")) is offload]
            if offload and not host_budget:
                layouts = []
            found = _try(arch, method, layouts, device, host_budget, ram, seq, lora_rank)
            if isinstance(found, TrainFit):
                misses = [(m, shortfalls[m]) for m in methods[:i] if m in shortfalls]
                return found, misses
            old = shortfalls.get(method)
            if found is not None and (old is None or _over(found) < _over(old)):
                shortfalls[method] = found
    return None, [(m, shortfalls[m]) for m in methods if m in shortfalls]


def _try(
    arch: ModelArch,
    method: Method,
    layouts: list[tuple[str, dict[str, object]]],
    device: Target,
    host_budget: int,
    ram: int,
    seq: int,
    lora_rank: int,
) -> TrainFit | Shortfall | None:
    """The first of ``layouts`` where ``method`` fits at batch 1, else its smallest shortfall
    (None when there was no layout to try)."""
    fields = method_fields(method, lora_rank, device.half)
    base = weights_bytes(arch, fields["precision"])
    best: Shortfall | None = None
    for engine, layout in layouts:
        gpus = layout["gpus"]
        sharded = layout.get("zero") == 3 or layout.get("fsdp")
        shards = gpus if isinstance(gpus, int) and sharded else 1
        floor = CUDA_CONTEXT_BYTES + (0 if layout.get("cpu_offload") else base // shards)
        if floor > device.budget_bytes:
            # The weights alone do not fit: no need to size the rest.
            what = f"{method.value}, {engine}: weights alone"
            miss = Shortfall(what, floor, device.budget_bytes, device.memory_bytes)
            if best is None or _over(miss) < _over(best):
                best = miss
            continue
        for ckpt in (False, True):
            setup = setup_for(**fields, **layout, seq=seq, batch=1, gradient_checkpointing=ckpt)
            need, host = training_bytes(arch, setup)
            if need <= device.budget_bytes and host <= host_budget:
                gpu = device.gpu
                speed = None if gpu is None else train_tokens_per_s(arch, setup, gpu)
                return TrainFit(method, setup, device, need, host, engine, speed)
            where = f"{method.value}, {engine}, batch 1" + (", checkpointing" if ckpt else "")
            if need <= device.budget_bytes:
                # The device share fits; the offloaded states do not fit in system RAM.
                miss = Shortfall(f"{where}: RAM for offload", host, host_budget, ram)
            else:
                miss = Shortfall(where, need, device.budget_bytes, device.memory_bytes)
            if best is None or _over(miss) < _over(best):
                best = miss
    return best


def grow_batch(arch: ModelArch, fit: TrainFit, host_budget: int, max_batch: int) -> TrainFit:
    """The same plan at the largest power-of-two micro-batch ≤ ``max_batch`` that still fits
    (the screening pass plans batch 1; only the reported few are grown)."""
    best, need, host = fit.setup, fit.memory_bytes, fit.host_bytes
    batch = 2
    while batch <= max_batch:
        trial = setup_for(**{**dict(fit.setup), "batch": batch})
        t_need, t_host = training_bytes(arch, trial)
        if t_need > fit.target.budget_bytes or t_host > host_budget:
            break
        best, need, host = trial, t_need, t_host
        batch *= 2
    if best is fit.setup:
        return fit
    gpu = fit.target.gpu
    speed = None if gpu is None else train_tokens_per_s(arch, best, gpu)
    return TrainFit(fit.method, best, fit.target, need, host, fit.engine, speed)


def accumulation(batch: int, data_parallel: int, target: int) -> int:
    """Gradient-accumulation steps so that batch × ranks × steps reaches ``target``."""
    return max(1, math.ceil(target / (batch * max(data_parallel, 1))))


__all__ = ["MethodFields", "TrainFit", "accumulation", "grow_batch", "method_fields", "train_fit"]
