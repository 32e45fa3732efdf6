"""Per-device memory under data, tensor and sharded parallelism, and CPU offload.

- DDP / ZeRO-0: every device holds everything.
- ZeRO-1 shards optimizer state (with the fp32 master weights), ZeRO-2 also gradients, ZeRO-3
  also the parameters, over the data-parallel ranks (Rajbhandari et al. 2019, arXiv 1910.02054
  §5, Figure 1). A ZeRO-3 rank gathers one layer's full weights at a time (we add two layers:
  the one in use and the prefetched next one). FSDP ``FULL_SHARD`` behaves as ZeRO-3 (Zhao et
  al. 2023, arXiv 2304.11277).
- Tensor parallelism of degree t splits weights, gradients, optimizer state, KV heads and most
  activations t ways (Shoeybi et al. 2019, arXiv 1909.08053; Korthikanti et al. 2022 §4.2.2).
- CPU offload (ZeRO-Offload, arXiv 2101.06840) moves optimizer state and master weights to host
  RAM; with ZeRO-3 / FSDP the parameters too (ZeRO-Infinity), leaving the gathered layers.
- Optimizer-in-backward steps each parameter as soon as its gradient is ready and frees it, so
  only the largest layer's gradients are alive (torchtune ``optimizer_in_bwd``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from advisor.models.estimate import EstimateSetup, Mode


class DeviceShare(NamedTuple):
    """Bytes on each device and on the host."""

    weights: int
    gradients: int
    optimizer: int
    activations: int
    kv_cache: int
    cpu: int


def zero_stage(setup: EstimateSetup) -> int:
    """Effective ZeRO stage: FSDP counts as 3; None as 0 (plain DDP)."""
    if setup.fsdp:
        return 3
    return setup.zero or 0


def per_device(
    setup: EstimateSetup,
    *,
    weights: float,
    master_and_adapters: float,
    gradients: float,
    optimizer: float,
    activations: float,
    kv_cache: float,
    layers: int,
) -> DeviceShare:
    """Share of each memory kind on one device.

    ``weights`` are the stored model weights, ``master_and_adapters`` the extra trainable copies
    (fp32 masters go with the optimizer state under ZeRO and offload; LoRA adapters stay with
    the weights), ``layers`` the number of layers (for ZeRO-3's gathered working set).
    """
    tp = setup.tensor_parallel
    if setup.mode is Mode.INFERENCE:
        shards = setup.gpus
        return DeviceShare(
            weights=math.ceil(weights / shards),
            gradients=0,
            optimizer=0,
            activations=math.ceil(activations / tp),
            kv_cache=math.ceil(kv_cache / shards),
            cpu=0,
        )
    dp = setup.gpus // tp
    stage = zero_stage(setup)
    w = weights / tp
    g = gradients / tp
    o = optimizer / tp
    cpu = 0.0
    masters = master_and_adapters / tp
    opt_side = masters if stage >= 1 or setup.cpu_offload else 0.0
    w_side = masters - opt_side
    if stage >= 1:
        o /= dp
        opt_side /= dp
    if stage >= 2:
        g /= dp
    if setup.optimizer_in_backward:
        g = g / max(layers, 1)
    gathered = w * min(2 / max(layers, 1), 1.0)
    if stage >= 3:
        w = min(w, w / dp + gathered)
    if setup.cpu_offload:
        cpu += o + opt_side
        o, opt_side = 0.0, 0.0
        if stage >= 3:
            cpu += w - gathered
            w = gathered
    return DeviceShare(
        weights=math.ceil(w + w_side),
        gradients=math.ceil(g),
        optimizer=math.ceil(o + opt_side),
        activations=math.ceil(activations / tp),
        kv_cache=0,
        cpu=math.ceil(cpu),
    )
