"""``split_params`` remembers answers per architecture object, never across different ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.estimate import split_params
from advisor.estimate.config import arch_from_config, load_config
from advisor.models.arch import ModelArch

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "configs"
LLAMA2_7B_PARAMS = 6_738_415_616
"""Parameters of Llama-2-7B (the safetensors index of meta-llama/Llama-2-7b-hf)."""


def _arch(name: str) -> ModelArch:
    return arch_from_config(load_config(CONFIGS / name), source=name)


def test_the_split_adds_up_to_the_models_parameters() -> None:
    arch = _arch("meta-llama__Llama-2-7b-hf")
    split = split_params(arch)
    assert split.total == arch.params_total == LLAMA2_7B_PARAMS
    assert split_params(arch) == split  # the remembered answer is the same answer


def test_a_changed_copy_gets_its_own_split() -> None:
    arch = _arch("meta-llama__Llama-2-7b-hf")
    before = split_params(arch)
    doubled = tuple(
        m.model_copy(update={"count": 2 * m.count}) if m.kind == "mlp" else m for m in arch.modules
    )
    bigger = arch.model_copy(update={"modules": doubled})
    after = split_params(bigger)
    mlp = sum(m.weight_params for m in arch.modules if m.kind == "mlp")
    assert after.linear == before.linear + mlp
    assert split_params(arch) == before


@pytest.mark.parametrize("name", ["FacebookAI__roberta-base", "EleutherAI__gpt-j-6b"])
def test_biases_count_as_other_and_rows_follow_outputs(name: str) -> None:
    """Models with biased layers: each module's share follows ModuleShape's own counts."""
    arch = _arch(name)
    split = split_params(arch)
    linear = [m for m in arch.modules if m.is_linear and m.kind != "lm_head"]
    assert split.linear_rows == sum(m.count * m.out_features for m in linear)
    assert split.embedding == sum(m.params for m in arch.modules if m.kind == "embedding")
    assert split.lm_head == sum(m.weight_params for m in arch.modules if m.kind == "lm_head")
    biases = sum(m.params - m.weight_params for m in arch.modules if m.is_linear)
    rest = sum(m.params for m in arch.modules if not m.is_linear and m.kind != "embedding")
    assert biases > 0
    assert split.other == biases + rest
