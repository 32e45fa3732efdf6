"""Memory, speed, time and cost of serving or fine-tuning a model: pure functions, no I/O.

``estimate(arch, setup, hardware)`` is the entry point the CLI and the recommender call; the
lower-level functions it composes are exported for callers that need one number. Every
formula and constant cites its source in the module that holds it (``constants`` for numbers).
"""

from __future__ import annotations

from advisor._callable import make_module_callable
from advisor.errors import EstimateError
from advisor.estimate.constants import (
    ALLOCATOR_SLACK_FRACTION,
    CUDA_CONTEXT_BYTES,
    LORA_DROPOUT_BYTES_PER_INPUT,
    VLLM_GPU_MEMORY_UTILIZATION,
)
from advisor.estimate.decode import (
    band_key,
    decode_step_terms,
    error_band,
    model_for,
    step_seconds,
)
from advisor.estimate.memory import (
    activation_offload_host_bytes,
    dims,
    inference_activation_bytes,
    kv_cache_bytes,
    layer_activation_bytes,
    training_activation_bytes,
    training_logits_bytes,
)
from advisor.estimate.parallel import DeviceShare, per_device, zero_stage
from advisor.estimate.quant import (
    bytes_read_per_token,
    kv_element_bytes,
    linear_bits,
    split_params,
    weights_bytes,
)
from advisor.estimate.throughput import (
    cost_usd,
    decode_tokens_per_s,
    epoch_time_s,
    forward_flops_per_token,
    prefill_tokens_per_s,
    train_tokens_per_s,
    training_flops_per_token,
)
from advisor.estimate.training import (
    linear_modules,
    lora_params,
    lora_target_modules,
    trainable_params,
    training_state,
)
from advisor.models.arch import ModelArch
from advisor.models.estimate import (
    Estimate,
    EstimateSetup,
    MemoryBreakdown,
    MemoryEstimate,
    Method,
    Mode,
    ModelSummary,
    Precision,
    Runtime,
    Throughput,
)
from advisor.models.hardware import GpuInfo, HardwareProfile
from advisor.pricing import price_assumption

__all__ = [
    "activation_offload_host_bytes",
    "bytes_read_per_token",
    "cost_usd",
    "decode_step_terms",
    "decode_tokens_per_s",
    "epoch_time_s",
    "estimate",
    "forward_flops_per_token",
    "inference_activation_bytes",
    "kv_cache_bytes",
    "kv_element_bytes",
    "layer_activation_bytes",
    "linear_bits",
    "lora_params",
    "lora_target_modules",
    "per_device",
    "prefill_tokens_per_s",
    "split_params",
    "train_tokens_per_s",
    "trainable_params",
    "training_activation_bytes",
    "training_flops_per_token",
    "training_logits_bytes",
    "training_share",
    "training_state",
    "weights_bytes",
]


def compute_dtype_bytes(setup: EstimateSetup) -> float:
    """Bytes per activation element: 4 for fp32 training without autocast, else 2."""
    if setup.precision is Precision.FP32 and not setup.mixed_precision:
        return 4.0
    return 2.0


def _pick_gpu(hardware: HardwareProfile | None, gpu: GpuInfo | None) -> GpuInfo | None:
    if gpu is not None:
        return gpu
    if hardware is None or not hardware.gpus:
        return None
    return max(hardware.gpus, key=lambda g: (g.memory_bytes or 0, g.count))


def _trainable_layers(arch: ModelArch, setup: EstimateSetup) -> int | None:
    if setup.method is Method.FREEZE and arch.num_layers:
        return round(arch.num_layers * (1 - setup.freeze_fraction))
    return None


def _adapter_activation_bytes(arch: ModelArch, setup: EstimateSetup, e: float) -> float:
    """Activations LoRA adds: each target's dropped input and mask
    (``LORA_DROPOUT_BYTES_PER_INPUT``, only when ``lora_dropout`` > 0), and with a
    bitsandbytes 4-bit base the input of every
    quantized linear, which ``bnb.MatMul4Bit`` saves for backward whenever its input needs a
    gradient (bitsandbytes ``autograd/_functions.py``: ``ctx.tensors = (A, B)``)."""
    tokens = setup.seq * setup.batch
    layers = max(arch.num_layers or 1, 1)
    recompute = setup.gradient_checkpointing or setup.activation_offload
    saved_layers = 1 if recompute else layers
    targets = lora_target_modules(arch, setup.lora_targets)
    # PEFT applies nn.Dropout to each target's input only when lora_dropout > 0 (with 0 it is
    # nn.Identity and nothing extra is saved: peft ``tuners/lora/layer.py``).
    dropout = LORA_DROPOUT_BYTES_PER_INPUT if setup.lora_dropout > 0 else 0.0
    per_layer: float = dropout * sum(m.in_features * m.count for m in targets)
    if setup.precision in (Precision.NF4, Precision.INT4) and not recompute:
        # With recomputation the one live layer is already counted in full (Korthikanti).
        quantized = [m for m in linear_modules(arch) if m.kind != "lm_head"]
        per_layer += e * sum(m.in_features * m.count for m in quantized)
    return per_layer / layers * saved_layers * tokens


def training_share(arch: ModelArch, setup: EstimateSetup, notes: list[str]) -> DeviceShare:
    """Per-device memory parts of a training set-up (weights, states, activations, logits),
    appending to ``notes`` what it assumed; ``estimate`` and the recommender's fast fit share it."""
    base = weights_bytes(arch, setup.precision)
    if setup.precision is Precision.FP32 and setup.mixed_precision and setup.method is Method.FULL:
        notes.append(
            "Mixed precision with an fp32 model (torch AMP): 4 B weights + 2 B autocast copy"
        )
    state = training_state(arch, setup)
    e = compute_dtype_bytes(setup)
    acts = training_activation_bytes(
        arch,
        setup.seq,
        setup.batch,
        element_bytes=e,
        flash_attention=setup.flash_attention,
        checkpointing=setup.gradient_checkpointing,
        offload=setup.activation_offload,
        trainable_layers=_trainable_layers(arch, setup),
        score_bytes=4.0 if setup.mixed_precision else None,
    )
    if setup.method in (Method.LORA, Method.QLORA):
        acts += _adapter_activation_bytes(arch, setup, e)
    logits = training_logits_bytes(arch, setup.seq, setup.batch, chunked=setup.chunked_loss)
    dd = dims(arch)
    layers = dd.layers if dd else 1
    share = per_device(
        setup,
        weights=base,
        master_and_adapters=state.trainable_weight_bytes,
        gradients=state.gradient_bytes,
        optimizer=state.optimizer_bytes,
        activations=acts + logits,
        kv_cache=0,
        layers=layers,
    )
    share = _peak_phase(share, setup, layers)
    if setup.activation_offload:
        host = activation_offload_host_bytes(arch, setup.seq, setup.batch, element_bytes=e)
        share = share._replace(cpu=share.cpu + round(host))
    return share


def _peak_phase(share: DeviceShare, setup: EstimateSetup, layers: int) -> DeviceShare:
    """The parts alive at the peak phase. By default gradients are alive through forward
    (gradient accumulation, DeepSpeed's buffers, zero_grad without set_to_none), so every part
    counts at once. With ``gradients_freed`` (and no ZeRO/FSDP) they exist only from backward
    on: the peak is forward/loss (saved activations and logits, no gradients) or the end of
    backward (all gradients, one layer's activations), whichever is larger."""
    if not setup.gradients_freed or setup.zero is not None or setup.fsdp:
        return share
    one_layer = share.activations // max(layers, 1)
    if share.gradients + one_layer > share.activations:
        return share._replace(activations=one_layer)
    return share._replace(gradients=0)


def estimate(
    arch: ModelArch,
    setup: EstimateSetup,
    hardware: HardwareProfile | None = None,
    *,
    model_id: str | None = None,
    gpu: GpuInfo | None = None,
) -> Estimate:
    """Peak memory per device, speeds, epoch time and cost of ``setup`` for ``arch``.

    ``gpu`` (or the largest GPU group of ``hardware``) gives bandwidth, FLOP/s, price and the
    memory ``fits`` is judged against; without either, speeds and ``fits`` are None.
    """
    notes: list[str] = list(arch.notes)
    target = _pick_gpu(hardware, gpu)
    _check_devices(arch, setup, target)
    d = dims(arch)
    layers = d.layers if d else 1
    logits = 0
    if setup.mode is Mode.INFERENCE:
        w = weights_bytes(arch, setup.precision)
        tokens = setup.seq + setup.gen
        kv = kv_cache_bytes(arch, tokens, setup.batch, kv_element_bytes(setup))
        acts = inference_activation_bytes(
            arch, setup.seq, setup.batch, flash_attention=setup.flash_attention
        )
        share = per_device(
            setup,
            weights=w,
            master_and_adapters=0,
            gradients=0,
            optimizer=0,
            activations=acts,
            kv_cache=kv,
            layers=layers,
        )
        flops = forward_flops_per_token(arch, tokens)
        n_train = None
    else:
        share = training_share(arch, setup, notes)
        logits = round(
            training_logits_bytes(arch, setup.seq, setup.batch, chunked=setup.chunked_loss)
        )
        flops = training_flops_per_token(arch, setup)
        n_train = trainable_params(arch, setup)
    tensors = share.weights + share.kv_cache + share.activations + share.gradients + share.optimizer
    overhead = round(CUDA_CONTEXT_BYTES + ALLOCATOR_SLACK_FRACTION * tensors)
    breakdown = MemoryBreakdown(
        weights_bytes=share.weights,
        kv_cache_bytes=share.kv_cache,
        activations_bytes=share.activations,
        gradients_bytes=share.gradients,
        optimizer_bytes=share.optimizer,
        overhead_bytes=overhead,
        logits_bytes=min(logits, share.activations),
    )
    memory = MemoryEstimate(
        total_bytes=tensors + overhead,
        devices=setup.gpus,
        breakdown=breakdown,
        cpu_offload_bytes=share.cpu,
    )
    notes += _assumptions(setup)
    throughput = Throughput()
    epoch = cost = None
    if target is not None:
        decode = prefill = None
        if setup.mode is Mode.INFERENCE:
            terms = decode_step_terms(arch, setup, target)
            decode = (
                None
                if terms is None
                else setup.batch / step_seconds(terms, model_for(setup.runtime))
            )
            prefill = prefill_tokens_per_s(arch, setup, target)
        train = train_tokens_per_s(arch, setup, target)
        throughput = Throughput(
            decode_tokens_per_s=decode, prefill_tokens_per_s=prefill, train_tokens_per_s=train
        )
        epoch = epoch_time_s(setup, train)
        cost = cost_usd(setup, epoch, target)
        if cost is not None and (price := price_assumption(target)) is not None:
            notes.append(price)
    fits, headroom = _fits(memory, setup, target, notes)
    return Estimate(
        model=ModelSummary(
            id=model_id,
            params=arch.params_total,
            params_active=arch.params_active,
            trainable_params=n_train,
            arch_type=arch.arch_type.value,
        ),
        setup=setup,
        memory=memory,
        throughput=throughput,
        flops_per_token=flops,
        epoch_time_s=epoch,
        cost_usd=cost,
        fits=fits,
        headroom_bytes=headroom,
        assumptions=notes,
    )


def _check_devices(arch: ModelArch, setup: EstimateSetup, gpu: GpuInfo | None) -> None:
    """Set-ups no engine can run: more GPUs than the hardware has for ZeRO/FSDP or tensor
    parallelism to shard over, or a tensor-parallel degree that does not divide the attention
    heads (vLLM and TensorRT-LLM split whole heads across GPUs)."""
    sharded = setup.zero is not None or setup.fsdp or setup.gpus > 1
    if gpu is not None and sharded and setup.gpus > gpu.count:
        engine = (
            f"ZeRO-{setup.zero}" if setup.zero is not None else "FSDP" if setup.fsdp else
            "tensor parallelism" if setup.mode is Mode.INFERENCE else "data parallelism"
        )  # fmt: skip
        raise EstimateError(
            f"--gpus {setup.gpus} asks {engine} to use more GPUs than the {gpu.count} the"
            " hardware has",
            f"use --gpus {gpu.count} or less, or plan for a bigger machine"
            f" (--gpu '{setup.gpus}x NAME')",
        )
    heads = arch.num_attention_heads
    if setup.mode is Mode.INFERENCE and setup.gpus > 1 and heads and heads % setup.gpus:
        raise EstimateError(
            f"tensor parallelism over {setup.gpus} GPUs cannot split the {heads} attention"
            " heads evenly",
            "use a --gpus that divides the head count",
        )


def _fits(
    memory: MemoryEstimate, setup: EstimateSetup, gpu: GpuInfo | None, notes: list[str]
) -> tuple[bool | None, int | None]:
    if gpu is None or gpu.memory_bytes is None:
        return None, None
    usable = gpu.memory_bytes
    if setup.runtime is Runtime.VLLM:
        usable = round(usable * VLLM_GPU_MEMORY_UTILIZATION)
    headroom = usable - memory.total_bytes
    enough_devices = gpu.count >= setup.gpus
    if not enough_devices:
        notes.append(f"Asks for {setup.gpus} GPUs; the hardware has {gpu.count}")
    return headroom >= 0 and enough_devices, headroom


def _assumptions(setup: EstimateSetup) -> list[str]:
    out = [
        f"CUDA context {CUDA_CONTEXT_BYTES // 2**20} MiB and {ALLOCATOR_SLACK_FRACTION:.0%}"
        " allocator slack counted as overhead",
    ]
    if setup.mode is Mode.INFERENCE:
        out.append(
            f"KV cache for {setup.batch}×{setup.seq + setup.gen} tokens"
            f" ({setup.kv_cache_precision.value if setup.kv_cache_precision else '16-bit'})"
        )
        if setup.runtime is Runtime.VLLM:
            out.append(
                f"vLLM reserves {VLLM_GPU_MEMORY_UTILIZATION:.0%} of device memory and fills the"
                " rest with KV cache; total_bytes is what this workload needs, and fits compares"
                " it with that reserved share"
            )
        if setup.gpus > 1:
            out.append(f"Weights and KV cache split evenly over {setup.gpus} GPUs")
        m = model_for(setup.runtime)
        out.append(
            f"Decode speed: {m.name} model (bytes / ({m.efficiency:.2f} × bandwidth × TP)"
            f" + {m.layer_s * 1e3:.3f} ms per layer + {m.step_s * 1e3:.2f} ms per step"
            f"{' + TP all-reduce' if setup.gpus > 1 else ''}, floored by compute);"
            f" {error_band(band_key(setup.runtime))}"
        )
        out.append(f"Memory: {error_band('inference-memory')}")
    else:
        stage = zero_stage(setup)
        if setup.gpus > 1 or stage:
            kind = "FSDP full sharding" if setup.fsdp else f"ZeRO-{stage}"
            out.append(f"{kind} over {setup.gpus // setup.tensor_parallel} data-parallel ranks")
        if setup.method in (Method.LORA, Method.QLORA):
            out.append(
                f"LoRA rank {setup.lora_rank} on "
                + ", ".join(setup.lora_targets or ("all linear layers",))
            )
        if setup.optimizer.value.startswith("paged"):
            out.append(
                "Paged optimizer state counted on the device (pages move out only under pressure)"
            )
        if not setup.gradient_checkpointing:
            out.append("Activations per Korthikanti et al. 2022 without recomputation")
        out.append("Training speed: peak FLOP/s × MFU / (6·N per token, 4·N with a frozen base)")
        out.append(
            "Peak counted as weights + optimizer state + gradients + saved activations and"
            " logits together: gradients stay allocated through the next forward under gradient"
            " accumulation, DeepSpeed's gradient buffers or zero_grad without set_to_none (every"
            " public row); freed gradients would lower a full fine-tune's peak"
        )
        out.append(f"Memory: {error_band('training-memory/' + setup.method.value)}")
    return out


make_module_callable(__name__, estimate)
