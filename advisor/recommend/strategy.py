"""Which way to adapt a model: read the task family's data-size ladder, then adjust.

``plan_strategy(task, data_examples, *, model_params, task_model, knowledge_heavy, fits, goal,
has_gpu, data_note=None, policy=None) -> Strategy``

Steps, each adding a reason:

1. The ladder (``catalog/policy/policy.toml``): the highest rung at or below the data size;
   models of ``large_model_params`` or more use the rung's ``approach_large``.
2. A ready task model (``task_model``) replaces prompting / few-shot with the model used as is.
3. Knowledge-heavy tasks replace every non-fine-tuning rung with RAG.
4. ``goal``: ``serve`` caps the answer at approaches that do not train; ``fine-tune`` lifts
   any data > 0 to the family's first training rung.
5. Hardware: a training approach falls back along full → LoRA → QLoRA → freeze to the first
   method ``fits`` marks as fitting (a method missing from ``fits`` is assumed to fit: unknown
   is not "no"); without a GPU, QLoRA is out (bitsandbytes needs one) and so is training any
   model above ``cpu_train_max_params``. When nothing fits, the best approach that does not
   train is used.

Every step is monotone in the data size, so more data never gives a less ambitious approach
(DESIGN.md §5); tests check this over every task.

``convert_data(amount, info, policy=None) -> (examples, note)`` turns the user's data size in
the task's unit (examples, tokens, hours, images) into examples, saying how.
"""

from __future__ import annotations

from collections.abc import Mapping

from advisor.models.catalog import TaskInfo
from advisor.models.estimate import Method
from advisor.models.policy import Alternative, Approach, Goal, Strategy
from advisor.models.task import Task
from advisor.recommend.policy_data import Family, Policy, Rung, load_policy

FALLBACK: dict[Approach, tuple[Approach, ...]] = {
    Approach.FULL: (Approach.FULL, Approach.LORA, Approach.QLORA, Approach.FREEZE),
    Approach.DISTILLATION: (Approach.DISTILLATION, Approach.LORA, Approach.QLORA),
    Approach.LORA: (Approach.LORA, Approach.QLORA, Approach.FREEZE),
    Approach.QLORA: (Approach.QLORA, Approach.FREEZE),
    Approach.FREEZE: (Approach.FREEZE,),
    Approach.LINEAR_PROBE: (Approach.LINEAR_PROBE,),
}
"""Where a training approach goes when its method does not fit: each chain contains the chains
of the less ambitious approaches, which keeps the hardware step monotone in data."""


def convert_data(
    amount: float, info: TaskInfo, policy: Policy | None = None
) -> tuple[int, str | None]:
    """Examples in ``amount`` of the task's data unit, and a note when a conversion was needed."""
    if amount < 0:
        raise ValueError("data size must not be negative")
    pol = policy or load_policy()
    if info.data_unit in ("examples", "images"):
        return int(amount), None
    if info.data_unit == "hours":
        seconds = info.seconds_per_example
        if seconds is None:
            return int(
                amount
            ), f"{amount:g} h counted as {int(amount)} examples (no clip length known)"
        examples = int(amount * 3600 / seconds)
        note = f"{amount:g} h of audio ÷ {seconds:g} s per clip = {examples:,} clips"
        return examples, f"{note} ({info.conversion_note})" if info.conversion_note else note
    per = info.tokens_per_example or pol.general.tokens_per_chunk
    examples = int(amount // per)
    why = info.conversion_note or pol.general.tokens_per_chunk_note
    return examples, f"{amount:,.0f} tokens ÷ {per} tokens per example = {examples:,} ({why})"


def _pick(rung: Rung, large: bool, encoder: bool) -> Approach:
    """The rung's approach for this model: ``approach_large`` from the size line, except that
    an encoder, which cannot be prompted, keeps the rung's training approach."""
    picked = rung.pick(large)
    if encoder and not picked.trains and rung.approach.trains:
        return rung.approach
    return picked


def _rung_index(family: Family, examples: int) -> int:
    return max(i for i, rung in enumerate(family.rungs) if rung.min_examples <= examples)


def _adjust(approach: Approach, task_model: bool, knowledge_heavy: bool) -> Approach:
    """Steps 2 and 3 for one ladder approach."""
    if task_model and approach in (Approach.PROMPTING, Approach.FEW_SHOT):
        approach = Approach.PRETRAINED
    if knowledge_heavy and approach.ambition < Approach.LORA.ambition:
        approach = Approach.RAG
    return approach


def _fits(method: Method | None, fits: Mapping[Method, bool], blocked: set[Method]) -> bool:
    if method is None:
        return True
    if method in blocked:
        return False
    return fits.get(method, True)


def plan_strategy(
    task: Task,
    data_examples: int,
    *,
    model_params: int | None,
    task_model: bool,
    knowledge_heavy: bool,
    fits: Mapping[Method, bool],
    goal: Goal,
    has_gpu: bool,
    data_note: str | None = None,
    policy: Policy | None = None,
    no_qlora: str | None = None,
    encoder: bool = False,
) -> Strategy:
    """The approach for ``task`` with ``data_examples`` training examples, with reasons.

    ``no_qlora`` says why the hardware cannot run QLoRA (no bitsandbytes there): the fallback
    chain then skips it and the reasons say so. ``encoder``: the model cannot be prompted (an
    encoder-only model), so a rung whose large-model approach is prompting or few-shot uses its
    training approach instead.
    """
    if data_examples < 0:
        raise ValueError("data_examples must not be negative")
    pol = policy or load_policy()
    gen = pol.general
    family = pol.family(task)
    large = model_params is not None and model_params >= gen.large_model_params
    reasons: list[str] = []
    sources: list[str] = []

    index = _rung_index(family, data_examples)
    rung = family.rungs[index]
    approach = _pick(rung, large, encoder)
    size = "≥" if large else "<"
    reasons.append(
        f"{data_examples:,} examples, {family.name} ladder (model {size} "
        f"{gen.large_model_params / 1e9:g}B params): from {rung.min_examples:,} examples use"
        f" {approach.value}: {rung.rationale}"
    )
    sources.append(rung.source)

    adjusted = _adjust(approach, task_model, knowledge_heavy)
    if adjusted is not approach:
        if adjusted is Approach.RAG:
            reasons.append(
                f"knowledge-heavy task: retrieval instead of {approach.value}. "
                f"{gen.knowledge_rationale}"
            )
            sources.append(gen.knowledge_source)
        else:
            reasons.append("a model already trained for this task is used as is")
        approach = adjusted

    def non_training(limit: int) -> Approach:
        """Best approach that does not train among rungs 0..limit."""
        options = [
            _adjust(_pick(r, large, encoder), task_model, knowledge_heavy)
            for r in family.rungs[: limit + 1]
        ]
        usable = [a for a in options if not a.trains]
        return max(usable, key=lambda a: a.ambition) if usable else Approach.PRETRAINED

    first_training = next(
        (
            i
            for i, r in enumerate(family.rungs)
            if _adjust(_pick(r, large, encoder), task_model, knowledge_heavy).trains
        ),
        None,
    )
    if goal == "serve" and approach.trains:
        approach = non_training(index)
        reasons.append(f"goal is serving only: {approach.value} instead of a training run")
    elif goal == "fine-tune" and not approach.trains and data_examples > 0 and first_training:
        approach = _adjust(
            _pick(family.rungs[first_training], large, encoder), task_model, knowledge_heavy
        )
        reasons.append(
            f"goal is fine-tuning: {approach.value} although the ladder suggests it only from"
            f" {family.rungs[first_training].min_examples:,} examples; expect overfitting and"
            " keep the validation split honest"
        )
    elif goal == "fine-tune" and data_examples == 0:
        reasons.append("goal is fine-tuning, but there is no training data: nothing to train on")

    blocked: set[Method] = set()
    if no_qlora is not None:
        blocked.add(Method.QLORA)
    if not has_gpu:
        blocked.add(Method.QLORA)
        if model_params is not None and model_params > gen.cpu_train_max_params:
            blocked |= {Method.FULL, Method.LORA, Method.FREEZE}
    if approach.trains:
        chain = FALLBACK[approach]
        chosen = next((a for a in chain if _fits(a.method, fits, _blocked(a, blocked))), None)
        passed = chain if chosen is None else chain[: chain.index(chosen)]
        if no_qlora is not None and Approach.QLORA in passed:
            reasons.append(f"QLoRA skipped: {no_qlora}")
        probe = _probe_fallback(family, index, approach, knowledge_heavy, fits, has_gpu)
        if chosen is None and probe is not None:
            reasons.append(_no_fit_reason(approach, has_gpu, blocked, gen.cpu_train_rationale))
            reasons.append(_PROBE_REASON)
            approach = probe
        elif chosen is None:
            wanted = approach
            approach = non_training(index)
            reasons.append(_no_fit_reason(wanted, has_gpu, blocked, gen.cpu_train_rationale))
            reasons.append(f"falling back to {approach.value}, which needs no training run")
        elif chosen is not approach:
            reasons.append(_degrade_reason(approach, chosen))
            approach = chosen
        else:
            unknown = approach.method is not None and approach.method not in fits
            method = approach.method.value if approach.method else None
            label = approach.value if method in (None, approach.value) else (
                f"{approach.value} ({method} fine-tuning)"
            )  # fmt: skip
            reasons.append(
                label
                + (": fit not checked, no hardware estimate" if unknown else " fits the hardware")
            )

    if knowledge_heavy and approach.trains:
        reasons.append(
            "knowledge-heavy task: fine-tune for format and style, and pair it with retrieval"
            f" for facts. {gen.knowledge_rationale}"
        )
        sources.append(gen.knowledge_source)

    alternatives = _alternatives(
        pol,
        family,
        index,
        large,
        approach,
        task_model,
        knowledge_heavy,
        model_params,
        fits,
        blocked,
        encoder,
    )
    return Strategy(
        approach=approach,
        method=approach.method,
        family=family.name,
        alternatives=alternatives,
        reasons=reasons,
        sources=list(dict.fromkeys(sources)),
        data_examples=data_examples,
        data_note=data_note,
    )


_PROBE_REASON = (
    "linear probe instead: one forward pass per labelled example gives frozen features and a"
    " small classifier head is trained on them, which costs about as much as serving the model"
    " (an encoder cannot be prompted, so its labelled data is used this way)"
)


def _probe_fallback(
    family: Family,
    index: int,
    wanted: Approach,
    knowledge_heavy: bool,
    fits: Mapping[Method, bool],
    has_gpu: bool,
) -> Approach | None:
    """A linear probe when the wanted training run does not fit, for families whose ladder
    has a linear-probe rung at or below the data size (encoders and vision backbones).

    The probe runs the model forward only (features once, then a small head), so the CPU
    limit on training large models does not apply to it; a memory verdict for ``freeze``
    (how the probe is estimated) still does. The rung condition keeps this monotone: from
    the probe's rung on, every training approach ends its fallback chain with the probe.
    """
    if knowledge_heavy or wanted.ambition <= Approach.LINEAR_PROBE.ambition:
        return None
    if not any(r.approach is Approach.LINEAR_PROBE for r in family.rungs[: index + 1]):
        return None
    blocked = set() if has_gpu else {Method.QLORA}
    return Approach.LINEAR_PROBE if _fits(Method.FREEZE, fits, blocked) else None


def _blocked(approach: Approach, blocked: set[Method]) -> set[Method]:
    """The methods ruled out for ``approach``: a linear probe only runs the model forward, so
    the CPU limit on training large models (which blocks ``freeze``) does not apply to it."""
    return {Method.QLORA} & blocked if approach is Approach.LINEAR_PROBE else blocked


def _no_fit_reason(wanted: Approach, has_gpu: bool, blocked: set[Method], why_cpu: str) -> str:
    if not has_gpu and Method.FULL in blocked:
        return f"no GPU and the model is too large to train on CPU ({why_cpu})"
    return f"no fine-tuning method down from {wanted.value} fits the hardware"


def _degrade_reason(wanted: Approach, chosen: Approach) -> str:
    if chosen is Approach.QLORA:
        return (
            f"{wanted.value} does not fit; QLoRA (4-bit NF4 base + LoRA) fits and matches 16-bit"
            " LoRA quality (Dettmers et al. 2023, https://arxiv.org/abs/2305.14314)"
        )
    if chosen is Approach.LORA:
        return (
            f"{wanted.value} does not fit; LoRA trains a small adapter and comes close to full"
            " fine-tuning (Hu et al. 2021, https://arxiv.org/abs/2106.09685)"
        )
    return f"{wanted.value} does not fit; {chosen.value} trains only the top of the model"


def _alternatives(
    pol: Policy,
    family: Family,
    index: int,
    large: bool,
    chosen: Approach,
    task_model: bool,
    knowledge_heavy: bool,
    model_params: int | None,
    fits: Mapping[Method, bool],
    blocked: set[Method],
    encoder: bool,
) -> list[Alternative]:
    out: list[Alternative] = []

    def add(approach: Approach, reason: str) -> None:
        if approach is not chosen and all(a.approach is not approach for a in out):
            out.append(Alternative(approach=approach, reason=reason))

    if index + 1 < len(family.rungs):
        nxt = family.rungs[index + 1]
        add(
            _adjust(_pick(nxt, large, encoder), task_model, knowledge_heavy),
            f"with {nxt.min_examples:,}+ examples: {nxt.rationale}",
        )
    if index > 0:
        prev = family.rungs[index - 1]
        add(
            _adjust(_pick(prev, large, encoder), task_model, knowledge_heavy),
            "cheaper, needs less data",
        )
    if chosen is Approach.LORA and _fits(Method.QLORA, fits, blocked):
        add(Approach.QLORA, "if memory gets tight: 4-bit base, similar quality (QLoRA)")
    if knowledge_heavy:
        add(Approach.RAG, pol.general.knowledge_rationale)
    if (
        family.name in ("generative", "seq2seq", "understanding")
        and model_params is not None
        and model_params <= pol.general.distill_student_max_params
    ):
        add(
            Approach.DISTILLATION,
            "label more data with a much larger teacher model and train this one on it: "
            + pol.general.distill_rationale,
        )
    if chosen is not Approach.PROMPTING and not chosen.trains and not task_model:
        add(Approach.PROMPTING, "zero-shot baseline: measure it before anything else")
    return out


def examples_needed(task: Task, approach: Approach, *, large: bool = False) -> int | None:
    """The fewest examples at which the ladder for ``task`` reaches ``approach`` (None: never)."""
    family = load_policy().family(task)
    return next((r.min_examples for r in family.rungs if r.pick(large) is approach), None)
