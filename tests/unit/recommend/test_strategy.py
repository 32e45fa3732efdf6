"""The data-size ladders: what a user with N examples is told to do, and that it is monotone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import CatalogError
from advisor.models.catalog import TaskInfo
from advisor.models.estimate import Method
from advisor.models.policy import Approach, Goal
from advisor.models.task import Task
from advisor.recommend.policy_data import load_policy, parse_policy, read_policy
from advisor.recommend.strategy import convert_data, plan_strategy

ALL_FIT = dict.fromkeys(Method, True)


def plan(task: Task, n: int, **kw: object) -> Approach:
    args: dict[str, object] = {
        "model_params": 8_000_000_000,
        "task_model": False,
        "knowledge_heavy": False,
        "fits": ALL_FIT,
        "goal": "both",
        "has_gpu": True,
    }
    args.update(kw)
    return plan_strategy(task, n, **args).approach  # type: ignore[arg-type]


def test_llm_ladder_matches_the_issue() -> None:
    assert plan(Task.CHAT, 0) is Approach.PROMPTING
    assert plan(Task.CHAT, 40) is Approach.FEW_SHOT
    assert plan(Task.CHAT, 2_000) is Approach.LORA
    assert plan(Task.CHAT, 1_200_000) is Approach.FULL


def test_knowledge_heavy_small_data_gets_rag_and_rag_stays_an_alternative() -> None:
    assert plan(Task.QUESTION_ANSWERING, 50, knowledge_heavy=True) is Approach.RAG
    big = plan_strategy(
        Task.CHAT,
        5_000,
        model_params=8_000_000_000,
        task_model=False,
        knowledge_heavy=True,
        fits=ALL_FIT,
        goal="both",
        has_gpu=True,
    )
    assert big.approach is Approach.LORA
    assert Approach.RAG in [a.approach for a in big.alternatives]
    assert any("retrieval" in r.lower() for r in big.reasons)


def test_small_encoder_is_fully_fine_tuned_but_a_large_model_gets_lora() -> None:
    assert plan(Task.TEXT_CLASSIFICATION, 5_000, model_params=110_000_000) is Approach.FULL
    assert plan(Task.TEXT_CLASSIFICATION, 5_000, model_params=7_000_000_000) is Approach.LORA
    assert plan(Task.TEXT_CLASSIFICATION, 20, model_params=110_000_000) is Approach.LINEAR_PROBE


def test_ready_task_model_is_used_as_is_without_data() -> None:
    assert plan(Task.TRANSLATION, 0, task_model=True) is Approach.PRETRAINED
    assert plan(Task.SPEECH_RECOGNITION, 0, model_params=244_000_000) is Approach.PRETRAINED


def test_memory_bound_lora_becomes_qlora_and_nothing_fitting_means_no_training() -> None:
    tight = {Method.FULL: False, Method.LORA: False, Method.QLORA: True, Method.FREEZE: False}
    assert plan(Task.CHAT, 5_000, fits=tight) is Approach.QLORA
    assert plan(Task.CHAT, 500_000, fits=tight) is Approach.QLORA
    none = dict.fromkeys(Method, False)
    assert plan(Task.CHAT, 5_000, fits=none) is Approach.FEW_SHOT
    s = plan_strategy(
        Task.CHAT,
        5_000,
        model_params=8_000_000_000,
        task_model=False,
        knowledge_heavy=False,
        fits=none,
        goal="both",
        has_gpu=True,
    )
    assert s.method is None
    assert any("fits" in r for r in s.reasons)


def test_cpu_only_rules_out_qlora_and_large_training() -> None:
    tight = {Method.FULL: False, Method.LORA: False, Method.QLORA: True}
    assert plan(Task.CHAT, 5_000, fits=tight, has_gpu=False) is Approach.FEW_SHOT
    small = plan(Task.TEXT_CLASSIFICATION, 5_000, model_params=66_000_000, has_gpu=False)
    assert small is Approach.FULL


def test_goal_serve_never_trains_and_fine_tune_trains_small_data() -> None:
    assert not plan(Task.CHAT, 50_000, goal="serve").trains
    assert plan(Task.CHAT, 30, goal="fine-tune") is Approach.LORA
    assert not plan(Task.CHAT, 0, goal="fine-tune").trains


def test_strategy_carries_reasons_sources_and_the_data_note() -> None:
    s = plan_strategy(
        Task.SPEECH_RECOGNITION,
        2_926,
        model_params=244_000_000,
        task_model=True,
        knowledge_heavy=False,
        fits=ALL_FIT,
        goal="both",
        has_gpu=True,
        data_note="10 h",
    )
    assert s.approach is Approach.FREEZE
    assert s.data_note == "10 h" and s.sources and s.reasons
    assert s.model_dump(mode="json")["approach"] == "freeze"


def test_convert_hours_and_tokens_to_examples() -> None:
    policy = load_policy()
    asr = TaskInfo(
        task=Task.SPEECH_RECOGNITION,
        data_unit="hours",
        metrics=["wer"],
        seconds_per_example=12.3,
        rationale="r",
        source="s",
    )
    n, note = convert_data(10, asr, policy)
    assert n == 2926 and note and "12.3" in note
    gen = TaskInfo(
        task=Task.TEXT_GENERATION, data_unit="tokens", metrics=["mmlu"], rationale="r", source="s"
    )
    n, note = convert_data(1_000_000, gen, policy)
    assert n == 1_000_000 // policy.general.tokens_per_chunk and note


_sizes = st.lists(st.integers(min_value=0, max_value=3_000_000), min_size=2, max_size=6)
_params = st.sampled_from(
    [None, 66_000_000, 350_000_000, 1_500_000_000, 8_000_000_000, 70_000_000_000]
)
_fits = st.fixed_dictionaries({m: st.booleans() for m in Method})
_goal: st.SearchStrategy[Goal] = st.sampled_from(["serve", "fine-tune", "both"])


@settings(max_examples=300, deadline=None)
@given(
    task=st.sampled_from(list(Task)),
    sizes=_sizes,
    params=_params,
    fits=_fits,
    goal=_goal,
    task_model=st.booleans(),
    knowledge=st.booleans(),
    gpu=st.booleans(),
)
def test_more_data_never_gives_less_ambitious_advice(
    task: Task,
    sizes: list[int],
    params: int | None,
    fits: dict[Method, bool],
    goal: Goal,
    task_model: bool,
    knowledge: bool,
    gpu: bool,
) -> None:
    ambitions = [
        plan_strategy(
            task,
            n,
            model_params=params,
            task_model=task_model,
            knowledge_heavy=knowledge,
            fits=fits,
            goal=goal,
            has_gpu=gpu,
        ).approach.ambition
        for n in sorted(sizes)
    ]
    assert ambitions == sorted(ambitions)


def test_every_task_reaches_a_training_rung_with_enough_data() -> None:
    for task in Task:
        assert plan(task, 2_000_000, model_params=100_000_000).trains, task


def test_a_ladder_that_loses_ambition_is_rejected(tmp_path: object) -> None:
    import tomllib

    from advisor.recommend.policy_data import policy_path

    data = tomllib.loads(policy_path().read_text(encoding="utf-8"))
    data["families"][0]["rungs"][-1]["approach"] = "few-shot"
    with pytest.raises(ValueError, match="less ambitious"):
        parse_policy(data)


def test_a_regularisation_list_rising_with_data_is_rejected(
    tmp_path: pytest.TempPathFactory,
) -> None:
    from advisor.recommend.policy_data import policy_path

    text = (
        policy_path()
        .read_text(encoding="utf-8")
        .replace("weight_decay = [0.1, 0.05, 0.01, 0.0]", "weight_decay = [0.0, 0.01, 0.05, 0.1]")
    )
    bad = tmp_path / "policy.toml"  # type: ignore[operator]
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="weight_decay"):
        read_policy(bad)
