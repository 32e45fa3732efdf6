"""Architecture facts, module shapes and config loading (advisor.estimate.config)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.errors import ConfigError, UnknownModelError
from advisor.estimate.config import arch_from_config, arch_from_params, load_config, module_shapes
from advisor.models.arch import ArchType, ModelArch

CONFIGS = Path(__file__).parents[2] / "fixtures" / "configs"


def arch(name: str) -> ModelArch:
    return arch_from_config(load_config(CONFIGS / name))


def lora_params(a: ModelArch, targets: set[str], rank: int) -> int:
    return sum(
        m.count * rank * (m.in_features + m.out_features)
        for m in module_shapes(a)
        if m.name in targets
    )


def test_lora_size_matches_peft_for_llama2_7b() -> None:
    # PEFT prints "trainable params: 4,194,304" for Llama-2-7b, r=8, q_proj + v_proj.
    assert lora_params(arch("meta-llama__Llama-2-7b-hf"), {"q_proj", "v_proj"}, 8) == 4_194_304


def test_gqa_shrinks_k_and_v_projections() -> None:
    a = arch("meta-llama__Llama-3.1-8B-Instruct")
    shapes = {m.name: m for m in module_shapes(a)}
    assert a.num_key_value_heads == 8 and a.head_dim == 128
    assert shapes["k_proj"].out_features == 1024
    assert shapes["q_proj"].out_features == 4096
    assert shapes["q_proj"].count == 32


def test_head_dim_from_config_when_it_differs_from_hidden_over_heads() -> None:
    a = arch("google__gemma-7b")
    assert a.head_dim == 256 and a.hidden_size == 3072 and a.num_attention_heads == 16


def test_mqa_flag_gives_one_kv_head() -> None:
    assert arch("bigcode__octocoder").num_key_value_heads == 1


def test_kv_heads_default_to_attention_heads() -> None:
    a = arch("google-bert__bert-large-uncased")
    assert a.num_key_value_heads == a.num_attention_heads == 16


def test_sliding_window_layers_by_family() -> None:
    mistral = arch("mistralai__Mistral-7B-v0.1")
    assert (mistral.sliding_window, mistral.sliding_window_layers) == (4096, 32)
    gemma2 = arch("google__gemma-2-9b")
    assert (gemma2.sliding_window, gemma2.sliding_window_layers) == (4096, 21)
    gemma3 = arch("google__gemma-3-4b-it")  # 5 local layers for every global one
    assert gemma3.sliding_window == 1024
    assert gemma3.sliding_window_layers == 34 - 34 // 6
    qwen3 = arch("Qwen__Qwen3-8B")
    assert qwen3.sliding_window is None


def test_deepseek_v3_mla_and_moe_facts() -> None:
    a = arch("deepseek-ai__DeepSeek-V3")
    assert a.uses_mla and a.kv_lora_rank == 512 and a.qk_rope_head_dim == 64
    assert (a.q_lora_rank, a.qk_nope_head_dim, a.v_head_dim) == (1536, 128, 128)
    assert (a.num_experts, a.experts_per_token, a.num_shared_experts) == (256, 8, 1)
    assert a.moe_layers == 58
    experts = [m for m in module_shapes(a) if m.kind == "expert"]
    assert {m.count for m in experts} == {58 * 256}
    assert {m.name for m in module_shapes(a) if m.kind == "shared_expert"} == {
        "shared_experts.gate_proj",
        "shared_experts.up_proj",
        "shared_experts.down_proj",
    }


def test_dense_model_has_no_active_count() -> None:
    assert arch("meta-llama__Llama-2-7b-hf").params_active is None
    assert not arch("meta-llama__Llama-2-7b-hf").is_moe


def test_tied_embeddings_are_counted_once() -> None:
    gpt2 = arch("openai-community__gpt2")
    assert gpt2.tie_word_embeddings and gpt2.params_lm_head == 0
    assert not any(m.kind == "lm_head" for m in module_shapes(gpt2))
    llama = arch("meta-llama__Llama-2-7b-hf")
    assert llama.params_lm_head == 32000 * 4096
    assert llama.params_embedding == 2 * 32000 * 4096


def test_encoder_decoder_facts() -> None:
    t5 = arch("google-t5__t5-base")
    assert t5.arch_type is ArchType.ENCODER_DECODER
    assert (t5.encoder_layers, t5.num_layers) == (12, 12)
    whisper = arch("openai__whisper-large-v3")
    assert whisper.encoder_seq_len == 1500
    assert {m.stack for m in module_shapes(whisper)} >= {"encoder", "decoder"}
    mt5 = arch("google__mt5-base")
    assert mt5.gated_mlp and not mt5.tie_word_embeddings


def test_vlm_reads_the_language_model_and_counts_the_tower() -> None:
    llava = arch("llava-hf__llava-1.5-7b-hf")
    assert (llava.num_layers, llava.hidden_size, llava.vocab_size) == (32, 4096, 32064)
    stacks = {m.stack for m in module_shapes(llava)}
    assert {"text", "vision", "projector"} <= stacks


def test_module_shapes_sum_to_total() -> None:
    for name in ("deepseek-ai__DeepSeek-V3", "openai__whisper-large-v3", "google__gemma-3-4b-it"):
        a = arch(name)
        assert sum(m.params for m in module_shapes(a)) == a.params_total


def test_module_shapes_derived_for_a_hand_built_arch() -> None:
    full = arch("meta-llama__Llama-2-7b-hf")
    bare = ModelArch(
        arch_type=ArchType.DECODER,
        num_layers=32,
        hidden_size=4096,
        intermediate_size=11008,
        num_attention_heads=32,
        vocab_size=32000,
        params_total=full.params_total,
    )
    assert sum(m.params for m in module_shapes(bare)) == full.params_total
    assert module_shapes(arch_from_params(7_000_000_000, ArchType.DECODER)) == []


def test_arch_from_params() -> None:
    a = arch_from_params(25_000_000, ArchType.VISION)
    assert a.params_total == 25_000_000 and a.hidden_size is None and a.notes
    with pytest.raises(ConfigError):
        arch_from_params(0, ArchType.VISION)


def test_subset_config_uses_family_defaults() -> None:
    # Catalog records keep a subset of config.json; Gemma ties its head by design.
    a = arch_from_config(
        {
            "model_type": "gemma",
            "hidden_size": 2048,
            "num_hidden_layers": 18,
            "num_attention_heads": 8,
            "num_key_value_heads": 1,
            "head_dim": 256,
            "intermediate_size": 16384,
            "vocab_size": 256000,
        }
    )
    assert a.tie_word_embeddings and a.params_total == 2_506_172_416


def test_unknown_llama_like_model_type_is_read_with_a_note() -> None:
    cfg = json.loads((CONFIGS / "meta-llama__Llama-2-7b-hf" / "config.json").read_text())
    a = arch_from_config({**cfg, "model_type": "my_llama_finetune"})
    assert a.params_total == 6_738_415_616
    assert any("Llama-style" in n for n in a.notes)


def test_load_config_accepts_file_or_folder() -> None:
    folder = CONFIGS / "openai-community__gpt2"
    assert load_config(folder) == load_config(folder / "config.json")


def test_load_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError) as exc:
        load_config(tmp_path / "nope.json")
    assert exc.value.hint
    with pytest.raises(UnknownModelError, match=r"no config\.json"):
        load_config(tmp_path)


def test_load_config_invalid_json(tmp_path: Path) -> None:
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match=r"config\.json"):
        load_config(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not a JSON object"):
        load_config(bad)


def test_missing_required_key_names_file_and_key() -> None:
    with pytest.raises(ConfigError) as exc:
        arch_from_config({"model_type": "llama", "hidden_size": 4096}, source="x/config.json")
    assert "x/config.json" in exc.value.message
    assert "num_hidden_layers" in exc.value.message
    assert "\n" not in exc.value.one_line()


def test_mistyped_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="n_embd"):
        arch_from_config({"model_type": "gpt2", "n_embd": "768", "n_layer": 12})


def test_unsupported_model_type() -> None:
    with pytest.raises(ConfigError, match="unsupported model_type"):
        arch_from_config({"model_type": "mamba", "d_model": 768})


def test_omitted_field_read_with_the_class_default() -> None:
    # google/t5-v1_1-style configs are read by transformers with T5Config's vocab_size (32128).
    cfg = {"model_type": "t5", "d_model": 512, "d_ff": 1024, "num_heads": 6, "num_layers": 8}
    arch = arch_from_config(cfg)
    with_vocab = arch_from_config({**cfg, "vocab_size": 32128})
    assert arch.vocab_size == 32128
    assert arch.params_total == with_vocab.params_total
    assert any("vocab_size" in n and "default" in n for n in arch.notes)
    # mT5's class does not tie the output layer: an omitted flag means an untied lm_head.
    mt5 = arch_from_config({**cfg, "model_type": "mt5"})
    assert mt5.vocab_size == 250112
    assert mt5.params_total > arch_from_config({**cfg, "model_type": "umt5"}).params_total


def test_size_fields_are_never_defaulted() -> None:
    with pytest.raises(ConfigError, match="d_model"):
        arch_from_config({"model_type": "t5", "d_ff": 1024, "num_heads": 6, "num_layers": 8})
