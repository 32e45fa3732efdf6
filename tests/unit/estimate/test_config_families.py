"""Family readers added for the catalog's configs: layouts a user would notice when wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from advisor.errors import ConfigError
from advisor.estimate.config import arch_from_config

CONFIGS = Path(__file__).parents[2] / "fixtures" / "configs"


def _cfg(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CONFIGS / name / "config.json").read_text())
    return data


def test_starcoder2_mlp_is_two_biased_matrices_not_gated() -> None:
    arch = arch_from_config(_cfg("bigcode__starcoder2-3b"))
    names = {m.name for m in arch.modules if m.kind == "mlp"}
    assert names == {"c_fc", "c_proj"}
    assert all(m.bias for m in arch.modules if m.kind in ("mlp", "attention"))
    assert arch.gated_mlp is False
    assert arch.sliding_window == 4096 and arch.sliding_window_layers == 30


def test_starcoder2_without_bias_is_smaller_by_exactly_the_biases() -> None:
    cfg = _cfg("bigcode__starcoder2-3b")
    with_bias = arch_from_config(cfg).params_total
    without = arch_from_config({**cfg, "use_bias": False}).params_total
    # per layer: q (3072) + k, v (2·256) + o (3072) + c_fc (12288) + c_proj (3072)
    assert with_bias - without == 30 * (3072 + 2 * 256 + 3072 + 12288 + 3072)


def test_llama4_scout_counts_shared_expert_and_vision() -> None:
    arch = arch_from_config(_cfg("meta-llama__Llama-4-Scout-17B-16E"))
    assert arch.num_experts == 16 and arch.experts_per_token == 1
    assert arch.num_shared_experts == 1 and arch.moe_layers == 48
    vision = sum(m.params for m in arch.modules if m.stack in ("vision", "projector"))
    # 108,641,793,536 on the Hub minus the 107,769,861,120 text backbone (SOURCE.txt)
    assert vision == 871_932_416
    # the vision tower does not run per text token
    assert arch.params_active == 17_172_894_720


def test_llama4_interleaved_moe_layers_use_the_dense_width_elsewhere() -> None:
    cfg = _cfg("meta-llama__Llama-4-Scout-17B-16E")
    text = {**cfg["text_config"], "interleave_moe_layer_step": 2}
    arch = arch_from_config({**cfg, "text_config": text})
    assert arch.moe_layers == 24
    dense = [m for m in arch.modules if m.kind == "mlp" and m.stack == "text"]
    assert {m.out_features for m in dense if m.name != "down_proj"} == {16384}
    assert all(m.count == 24 for m in dense)


def test_qwen2_vl_reads_top_level_and_nested_text_layouts_alike() -> None:
    cfg = _cfg("Qwen__Qwen2-VL-7B-Instruct")
    text_keys = {k: v for k, v in cfg.items() if k not in ("vision_config", "architectures")}
    nested = {
        "model_type": "qwen2_vl",
        "vision_config": cfg["vision_config"],
        "text_config": {**text_keys, "model_type": "qwen2_vl_text"},
    }
    assert arch_from_config(nested).params_total == arch_from_config(cfg).params_total


def test_qwen2_vl_without_vocab_falls_back_to_the_class_default() -> None:
    cfg = _cfg("Qwen__Qwen2-VL-7B-Instruct")
    del cfg["vocab_size"]  # Qwen2VLConfig's default is the 7B's 152064
    assert (
        arch_from_config(cfg).params_total
        == arch_from_config(_cfg("Qwen__Qwen2-VL-7B-Instruct")).params_total
    )


def test_mllama_counts_cross_attention_extras_and_tiles() -> None:
    arch = arch_from_config(_cfg("meta-llama__Llama-3.2-11B-Vision-Instruct"))
    names = {m.name for m in arch.modules}
    assert {"cross_attn.qk_norm", "gated_positional_embedding.tile_embedding"} <= names
    assert arch.num_layers == 40 and arch.num_key_value_heads == 8


def test_paligemma_has_no_siglip_pooling_head() -> None:
    arch = arch_from_config(_cfg("google__paligemma2-3b-pt-224"))
    assert not any(m.name.startswith("head.") for m in arch.modules)


def test_wav2vec2_group_norm_only_after_the_first_convolution() -> None:
    base = arch_from_config(_cfg("facebook__wav2vec2-base-960h"))
    assert sum(1 for m in base.modules if m.name == "conv.norm") == 1
    large = arch_from_config(_cfg("facebook__wav2vec2-large-960h-lv60-self"))
    assert sum(1 for m in large.modules if m.name == "conv.norm") == 7


def test_wav2vec2_large_group_norm_variant_matches_its_published_count() -> None:
    # facebook/wav2vec2-large-960h: the lv60-self layout with group norm and bias-free convs.
    cfg = {**_cfg("facebook__wav2vec2-large-960h-lv60-self"), "conv_bias": False,
           "feat_extract_norm": "group", "do_stable_layer_norm": False}  # fmt: skip
    assert arch_from_config(cfg).params_total == 315_461_792


def test_detr_backbone_is_torchvision_resnet50_without_fc() -> None:
    arch = arch_from_config(_cfg("facebook__detr-resnet-50"))
    backbone = sum(m.params for m in arch.modules if m.stack == "backbone")
    # torchvision resnet50: 25,557,032 parameters, of which fc is 2048·1000 + 1000
    assert backbone == 25_557_032 - 2_049_000
    assert 41e6 <= arch.params_total < 42e6  # DETR paper, Table 1: 41M
    cfg = {**_cfg("facebook__detr-resnet-50"), "backbone": "resnet101"}
    deeper = arch_from_config(cfg)
    # torchvision resnet101: 44,549,160 with the same fc
    assert deeper.params_total - arch.params_total == (44_549_160 - 2_049_000) - backbone


def test_dinov2_registers_and_swiglu_change_the_count() -> None:
    cfg = _cfg("facebook__dinov2-small")
    plain = arch_from_config(cfg).params_total
    assert arch_from_config({**cfg, "model_type": "dinov2_with_registers",
                             "num_register_tokens": 4}).params_total == plain + 4 * 384  # fmt: skip
    assert arch_from_config({**cfg, "use_swiglu_ffn": True}).gated_mlp is True


def test_image_classifier_without_labels_says_what_it_assumed() -> None:
    cfg = _cfg("microsoft__resnet-50")
    del cfg["id2label"]
    arch = arch_from_config(cfg)
    assert arch.params_total == 25_557_032
    assert any("1000-class" in n for n in arch.notes)


def test_opt_350m_projects_embeddings_and_has_no_final_norm() -> None:
    arch = arch_from_config(_cfg("facebook__opt-350m"))
    names = {m.name for m in arch.modules}
    assert {"project_in", "project_out"} <= names
    assert "final_layer_norm" not in {m.name for m in arch.modules if m.count == 1}


@pytest.mark.parametrize("model_type", ["vits", "speecht5", "bark"])
def test_families_without_a_reader_are_refused_not_guessed(model_type: str) -> None:
    cfg = {"model_type": model_type, "hidden_size": 192, "num_hidden_layers": 6,
           "num_attention_heads": 2, "vocab_size": 38}  # fmt: skip
    with pytest.raises(ConfigError, match="no reader") as exc:
        arch_from_config(cfg)
    assert exc.value.hint and "parameter count" in exc.value.hint
