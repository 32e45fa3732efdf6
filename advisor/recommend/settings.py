"""Anti-overfitting training settings for an approach, a task and a data size.

``training_settings(approach, task, data_examples, *, model_params, per_device_batch, gpus=1,
architecture=None, max_lora_rank=None, policy=None) -> TrainingSettings | None``: None when the
approach does not train (prompting, few-shot, RAG, a pretrained model used as is).

The numbers come from the recipe for the model's kind in ``catalog/policy/policy.toml`` (each
with its source): ``[[kind_recipes]]`` picks it from the architecture and task (an LLM trains
with the LLM recipe on any text task, a detector with DETR's, a segmenter with SegFormer's),
else the task family's own. It is read at the data-size bucket
(tiny < 1k ≤ small < 10k ≤ medium < 100k ≤ large):

* epochs = ceil(target_steps × recipe batch / examples), clamped to the recipe's range, so it
  never rises with data;
* weight decay, dropout (LoRA dropout for adapters), label smoothing and the validation share
  never fall with less data; early-stopping patience and LoRA rank never rise with less data;
* learning rate by what trains: the whole model, an adapter (lower above
  ``adapter_large_params``), or only a new head (linear probe);
* gradient accumulation makes up the recipe's effective batch from ``per_device_batch × gpus``;
* ``max_lora_rank`` (what the device fits, the same for every data size) caps the LoRA rank;
* with early stopping, evaluation runs every ``total steps ÷ (EVALS_PER_PATIENCE × patience)``
  steps (at most once an epoch), so the run has enough evaluations for patience to run out.

Every setting carries a reason in ``TrainingSettings.reasons``.
"""

from __future__ import annotations

from advisor.models.arch import ArchType
from advisor.models.estimate import Optimizer
from advisor.models.policy import (
    Approach,
    EarlyStopping,
    EvalStrategy,
    LoraSettings,
    TrainingSettings,
)
from advisor.models.task import Task
from advisor.recommend.policy_data import Policy, load_policy

_BUCKET_NAMES = ("tiny", "small", "medium", "large")

EVALS_PER_PATIENCE = 4
"""Evaluations planned per unit of patience: a run of ``epochs × steps`` steps is evaluated at
least ``4 × patience`` times, so early stopping can fire in the last three quarters of it."""


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def training_settings(
    approach: Approach,
    task: Task,
    data_examples: int,
    *,
    model_params: int | None,
    per_device_batch: int,
    gpus: int = 1,
    architecture: ArchType | None = None,
    max_lora_rank: int | None = None,
    policy: Policy | None = None,
) -> TrainingSettings | None:
    """Settings for training ``approach`` on ``data_examples`` examples of ``task``."""
    if not approach.trains:
        return None
    if data_examples < 0 or per_device_batch < 1 or gpus < 1:
        raise ValueError("data must be >= 0, per-device batch and GPUs >= 1")
    pol = policy or load_policy()
    gen = pol.general
    choice = pol.recipe_for(task, architecture)
    recipe = choice.recipe
    b = gen.bucket(data_examples)
    size = f"{data_examples:,} examples ({_BUCKET_NAMES[b]} bucket)"
    why = recipe.reasons
    reasons: dict[str, str] = {
        "recipe": f"the {choice.name} recipe"
        + (f": {choice.rationale}" if choice.rationale else " (the task family's own)")
    }
    adapter = approach in (Approach.LORA, Approach.QLORA)
    big = model_params is not None and model_params > gen.adapter_large_params

    # Learning rate by what trains.
    if adapter:
        lr = recipe.lr_adapter_large if big else recipe.lr_adapter
        reasons["learning_rate"] = why["learning_rate_adapter"]
    elif approach is Approach.LINEAR_PROBE:
        lr = recipe.lr_head
        reasons["learning_rate"] = why["learning_rate_head"]
    else:
        lr = recipe.lr_full
        reasons["learning_rate"] = why["learning_rate_full"]
        if approach is Approach.DISTILLATION:
            reasons["learning_rate"] += (
                "; the student trains like a full fine-tune on teacher labels"
            )

    epochs_raw = _ceil_div(recipe.target_steps * recipe.effective_batch, max(data_examples, 1))
    epochs = min(max(epochs_raw, recipe.min_epochs), recipe.max_epochs)
    reasons["epochs"] = (
        f"{epochs}: ~{recipe.target_steps:,} steps × batch {recipe.effective_batch} over {size},"
        f" kept within {recipe.min_epochs}–{recipe.max_epochs}; " + why["epochs"]
    )

    per_device = min(per_device_batch, recipe.effective_batch)
    accumulation = max(1, _ceil_div(recipe.effective_batch, per_device * gpus))
    effective = per_device * gpus * accumulation
    reasons["effective_batch"] = (
        f"{per_device} per device × {gpus} GPU(s) × {accumulation} accumulation = {effective};"
        f" " + why["effective_batch"]
    )

    weight_decay = recipe.weight_decay[b]
    reasons["weight_decay"] = f"{weight_decay:g} for {size}; " + why["weight_decay"]

    lora: LoraSettings | None = None
    if adapter:
        dropout = recipe.lora_dropout[b]
        if big:
            dropout = min(dropout, 0.05)
        rank = recipe.lora_rank[b]
        capped = max_lora_rank is not None and max_lora_rank < rank
        if capped:
            assert max_lora_rank is not None
            rank = max_lora_rank
        lora = LoraSettings(
            rank=rank,
            alpha=max(1, round(rank * recipe.lora_alpha_ratio)),
            dropout=dropout,
            targets=recipe.lora_targets,
        )
        reasons["lora"] = (
            f"rank {rank} for {size}"
            + (f" (the recipe's {recipe.lora_rank[b]} does not fit the device)" if capped else "")
            + "; "
            + why["lora"]
        )
        reasons["dropout"] = f"LoRA dropout {dropout:g} for {size}; " + why["lora"]
    else:
        dropout = recipe.dropout[b]
        reasons["dropout"] = f"{dropout:g} for {size}; " + why["dropout"]

    validation = gen.validation_fraction[b] if recipe.validation else 0.0
    reasons["validation_fraction"] = (
        f"{validation:g} for {size}; {gen.validation_rationale} ({gen.validation_source})"
        if recipe.validation
        else why["validation_fraction"]
    )

    early: EarlyStopping | None = None
    if recipe.early_stopping and recipe.validation:
        early = EarlyStopping(metric="eval_loss", patience=recipe.patience[b], mode="min")
        reasons["early_stopping"] = (
            f"patience {early.patience} on eval_loss for {size}; " + why["early_stopping"]
        )
    else:
        reasons["early_stopping"] = why["early_stopping"]

    smoothing = recipe.label_smoothing[b]
    reasons["label_smoothing"] = f"{smoothing:g}; " + why["label_smoothing"]
    reasons["lr_scheduler"] = why["lr_scheduler"]
    reasons["warmup_ratio"] = f"{recipe.warmup_ratio:g}; " + why["warmup_ratio"]
    reasons["max_grad_norm"] = f"{recipe.max_grad_norm:g}; " + why["max_grad_norm"]

    aug = pol.augmentations(task)
    reasons["augmentation"] = f"{aug.rationale} ({aug.source})"

    if approach is Approach.QLORA:
        # The same optimizer the memory plan sized (recommend.train_fit.method_fields).
        optimizer = Optimizer.PAGED_ADAMW
        reasons["optimizer"] = (
            "paged AdamW with 32-bit states, the QLoRA reference script's default: paging"
            " absorbs memory spikes (https://arxiv.org/abs/2305.14314,"
            " https://github.com/artidoro/qlora)"
        )
    else:
        optimizer = Optimizer.ADAMW
        reasons["optimizer"] = (
            "AdamW with decoupled weight decay (https://arxiv.org/abs/1711.05101)"
        )

    eval_strategy: EvalStrategy
    save_strategy: EvalStrategy
    if early is None:
        eval_strategy, save_strategy, eval_steps = "no", "epoch", None
        reasons["evaluation"] = "no validation split: save every epoch and compare by hand"
    else:
        train_examples = max(1, data_examples - round(data_examples * validation))
        steps_per_epoch = _ceil_div(train_examples, effective)
        total = steps_per_epoch * epochs
        evals = EVALS_PER_PATIENCE * early.patience
        eval_steps = max(1, min(steps_per_epoch, total // evals))
        eval_strategy, save_strategy = "steps", "steps"
        reasons["evaluation"] = (
            f"evaluate and save every {eval_steps:,} of {total:,} planned steps"
            f" ({steps_per_epoch:,} an epoch × {epochs}), ~{total // eval_steps:,} evaluations,"
            f" so patience {early.patience} can stop the run early; keep the best checkpoint"
        )

    return TrainingSettings(
        approach=approach,
        epochs=epochs,
        learning_rate=lr,
        lr_scheduler=recipe.lr_scheduler,
        warmup_ratio=recipe.warmup_ratio,
        per_device_batch=per_device,
        gradient_accumulation=accumulation,
        gpus=gpus,
        effective_batch=effective,
        optimizer=optimizer,
        weight_decay=weight_decay,
        dropout=dropout,
        lora=lora,
        early_stopping=early,
        early_stopping_patience=early.patience if early else None,
        validation_fraction=validation,
        label_smoothing=smoothing,
        max_grad_norm=recipe.max_grad_norm,
        augmentation=list(aug.methods),
        eval_strategy=eval_strategy,
        eval_steps=eval_steps,
        save_strategy=save_strategy,
        reasons=reasons,
    )
