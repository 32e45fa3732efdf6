"""Training state per method and optimizer: trainable weights, gradients, optimizer state.

Byte counts per trainable parameter (ZeRO, Rajbhandari et al. 2019, arXiv 1910.02054 §3.1;
HF "Model training anatomy"):

- mixed precision with a 16-bit model (DeepSpeed/Megatron style): 2 (weights) + 2 (grads)
  + 4 (fp32 master) + optimizer state in fp32 (Adam: m and v, 8) = 16 B/param;
- torch AMP with an fp32 model: 4 (weights) + 2 (the autocast 16-bit copy of each weight)
  + 4 (fp32 grads) + fp32 state = 18 B/param with Adam;
- pure 16-bit or pure fp32: weights, grads and torch optimizer state all at the parameter
  dtype (torch AdamW allocates ``zeros_like(param)``);
- bitsandbytes 8-bit Adam: 2 B of state; paged variants have the same size (pages move to host
  only under memory pressure, so we count them on the device);
- SGD with momentum: one buffer; Adafactor: factored second moment (rows + columns of each
  matrix, full size for vectors; Shazeer & Stern 2018, arXiv 1804.04235) and no momentum.

LoRA adds ``r·(in + out)`` parameters per targeted linear (Hu et al. 2021, arXiv 2106.09685).
"""

from __future__ import annotations

from typing import NamedTuple

from advisor.estimate.constants import ADAM_8BIT_BYTES_PER_PARAM
from advisor.estimate.quant import split_params
from advisor.models.arch import ModelArch, ModuleKind, ModuleShape
from advisor.models.estimate import EstimateSetup, Method, Optimizer, Precision

# Role of a module name across model families (HF names, GPT-2/Qwen, Falcon, litgpt, Mixtral).
# LoRA size depends only on in+out, and gate/up/down of one MLP all have in+out = h + I, so
# family conventions that permute w1/w2/w3 give the same count.
_ROLES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("q_proj", "q", "wq", "query", "q_a_proj", "q_b_proj"), ("q",)),
    **dict.fromkeys(("k_proj", "k", "wk", "key"), ("k",)),
    **dict.fromkeys(("v_proj", "v", "wv", "value"), ("v",)),
    **dict.fromkeys(
        ("c_attn", "qkv", "qkv_proj", "query_key_value", "wqkv", "in_proj", "attn"),
        ("q", "k", "v"),
    ),
    **dict.fromkeys(("o_proj", "out_proj", "wo", "projection", "self_attention.dense"), ("o",)),
    **dict.fromkeys(("gate_proj", "w1", "fc_1"), ("gate",)),
    **dict.fromkeys(("up_proj", "w2", "fc_2", "fc1", "c_fc", "dense_h_to_4h"), ("up",)),
    **dict.fromkeys(("down_proj", "w3", "fc2", "proj", "dense_4h_to_h"), ("down",)),
    "c_proj": ("o", "down"),
    "dense": ("o", "down"),
    "mlp": ("gate", "up", "down"),
    "attention": ("q", "k", "v", "o"),
    "head": ("lm_head",),
    "lm_head": ("lm_head",),
    "output": ("lm_head",),
}

_ALL = ("all-linear", "all")


def linear_modules(arch: ModelArch) -> list[ModuleShape]:
    """Linear layers of ``arch``: its module list, or a Llama/GPT-style layout built from its
    widths (q, k, v, o; gate/up/down or up/down; the head when untied)."""
    if arch.modules:
        return [m for m in arch.modules if m.is_linear]
    h, layers = arch.hidden_size, arch.num_layers
    if not h or not layers:
        return []
    heads = arch.num_attention_heads or max(h // 64, 1)
    hd = arch.head_dim or h // heads
    kvh = arch.num_key_value_heads or heads
    inter = arch.intermediate_size or 4 * h
    n = layers + (arch.encoder_layers or 0)

    def lin(name: str, kind: ModuleKind, i: int, o: int, count: int = n) -> ModuleShape:
        return ModuleShape(name=name, kind=kind, in_features=i, out_features=o, count=count)

    mods = [
        lin("q_proj", "attention", h, heads * hd),
        lin("k_proj", "attention", h, kvh * hd),
        lin("v_proj", "attention", h, kvh * (arch.v_head_dim or hd)),
        lin("o_proj", "attention", heads * (arch.v_head_dim or hd), h),
    ]
    experts = arch.num_experts if arch.is_moe else 1
    width = arch.moe_intermediate_size or inter if arch.is_moe else inter
    kind: ModuleKind = "expert" if arch.is_moe else "mlp"
    if arch.gated_mlp:
        mods.append(lin("gate_proj", kind, h, width, n * (experts or 1)))
    mods.append(lin("up_proj", kind, h, width, n * (experts or 1)))
    mods.append(lin("down_proj", kind, width, h, n * (experts or 1)))
    split = split_params(arch)
    if split.lm_head and arch.vocab_size:
        mods.append(lin("lm_head", "lm_head", h, arch.vocab_size, 1))
    return mods


def _roles(name: str) -> set[str]:
    leaf = name.rsplit(".", 1)[-1].lower()
    return set(_ROLES.get(name.lower(), _ROLES.get(leaf, (leaf,))))


def lora_target_modules(arch: ModelArch, targets: tuple[str, ...] | None) -> list[ModuleShape]:
    """Linear modules LoRA wraps. None / ``all-linear``: every linear but the head and router
    (PEFT ``all-linear``); otherwise modules whose name, kind or role matches a target."""
    mods = linear_modules(arch)
    if targets is None or any(t.lower() in _ALL for t in targets):
        chosen = [m for m in mods if m.kind not in ("lm_head", "router")]
        if targets and any(_roles(t) & {"lm_head"} for t in targets):
            chosen += [m for m in mods if m.kind == "lm_head"]
        return chosen
    wanted: set[str] = set()
    for t in targets:
        wanted |= _roles(t) | {t.lower()}
    return [m for m in mods if m.kind in wanted or (_roles(m.name) | {m.name.lower()}) & wanted]


def lora_params(arch: ModelArch, rank: int, targets: tuple[str, ...] | None) -> int:
    """Adapter parameters: ``r·(in + out)`` for every targeted linear (A is r×in, B is out×r)."""
    return sum(
        rank * (m.in_features + m.out_features) * m.count
        for m in lora_target_modules(arch, targets)
    )


def trainable_params(arch: ModelArch, setup: EstimateSetup) -> int:
    """Parameters that receive gradients under ``setup.method``.

    ``freeze`` trains the top ``1 − freeze_fraction`` of the layers and the output head
    (``freeze_fraction = 1``: the head only)."""
    if setup.method in (Method.LORA, Method.QLORA):
        return lora_params(arch, setup.lora_rank, setup.lora_targets)
    if setup.method is Method.FREEZE:
        split = split_params(arch)
        return round((split.linear + split.other) * (1 - setup.freeze_fraction)) + split.lm_head
    return arch.params_total


class TrainingState(NamedTuple):
    """Device bytes of the trainable weights' extra copies, their gradients and optimizer."""

    trainable_weight_bytes: int
    """Adapters (LoRA) or fp32 master / autocast copies (full), beyond the stored weights."""
    gradient_bytes: int
    optimizer_bytes: int


def param_dtype_bytes(setup: EstimateSetup) -> float:
    """Bytes of a trainable parameter as the model holds it."""
    if setup.method in (Method.LORA, Method.QLORA):
        # PEFT ≥ 0.12 keeps adapters in fp32 under mixed precision (autocast_adapter_dtype);
        # "pure" 16-bit training (litgpt bf16-true) keeps them in 16-bit.
        return 4.0 if setup.mixed_precision or setup.precision is Precision.FP32 else 2.0
    return 4.0 if setup.precision is Precision.FP32 else 2.0


def optimizer_state_bytes(arch: ModelArch, setup: EstimateSetup, n_trainable: int) -> float:
    """Optimizer state for ``n_trainable`` parameters."""
    fp32_states = setup.mixed_precision or setup.optimizer in (
        Optimizer.PAGED_ADAMW,
    )  # bitsandbytes 32-bit optimizers keep fp32 state whatever the parameter dtype
    state = 4.0 if fp32_states else param_dtype_bytes(setup)
    match setup.optimizer:
        case Optimizer.ADAMW | Optimizer.PAGED_ADAMW:
            return n_trainable * 2 * state
        case Optimizer.ADAMW_8BIT | Optimizer.PAGED_ADAMW_8BIT:
            return n_trainable * ADAM_8BIT_BYTES_PER_PARAM
        case Optimizer.SGD:
            return n_trainable * state
        case Optimizer.ADAFACTOR:
            return _adafactor_elements(arch, setup, n_trainable) * state
    raise AssertionError(setup.optimizer)  # pragma: no cover - exhaustive


def _adafactor_elements(arch: ModelArch, setup: EstimateSetup, n_trainable: int) -> float:
    if setup.method is not Method.FULL:
        return float(n_trainable)  # small adapters: count the unfactored worst case
    split = split_params(arch)
    mods = linear_modules(arch)
    factored = sum((m.in_features + m.out_features) * m.count for m in mods)
    if split.embedding and arch.hidden_size:
        factored += split.embedding // arch.hidden_size + arch.hidden_size
    return float(factored + split.other)


def training_state(arch: ModelArch, setup: EstimateSetup) -> TrainingState:
    """Unsharded (single-device) training state; ``parallel.per_device`` shards it."""
    n = trainable_params(arch, setup)
    p = param_dtype_bytes(setup)
    extra = 0.0
    grad = float(n * p)
    if setup.method in (Method.LORA, Method.QLORA):
        extra = n * p  # the adapters themselves
        if setup.mixed_precision and p < 4:
            extra += n * 4
    elif setup.mixed_precision:
        if setup.precision is Precision.FP32:
            extra = n * 2  # torch AMP caches a 16-bit copy of each weight during forward
        else:
            extra = n * 4  # fp32 master weights next to the 16-bit model
            grad = float(n * 2)
    if setup.mixed_precision and setup.precision is Precision.FP32:
        grad = float(n * 4)
    return TrainingState(
        trainable_weight_bytes=round(extra),
        gradient_bytes=round(grad),
        optimizer_bytes=round(optimizer_state_bytes(arch, setup, n)),
    )
