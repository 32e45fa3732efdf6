"""Parameter counts from real configs match the published counts (tests/fixtures/configs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.estimate.config import arch_from_config, load_config

CONFIGS = Path(__file__).parents[2] / "fixtures" / "configs"

# Published totals (see tests/fixtures/configs/SOURCE.txt for where each comes from).
PUBLISHED: dict[str, float] = {
    "meta-llama__Llama-2-7b-hf": 6_738_415_616,
    "meta-llama__Llama-2-13b-hf": 13_015_864_320,
    "meta-llama__Llama-2-70b-hf": 68_976_648_192,
    "meta-llama__Meta-Llama-3-8B": 8_030_261_248,
    "meta-llama__Llama-3.1-8B-Instruct": 8_030_261_248,
    "meta-llama__Llama-3.3-70B-Instruct": 70_553_706_496,
    "huggyllama__llama-65b": 65.2e9,
    "codellama__CodeLlama-34b-hf": 33.7e9,
    "TinyLlama__TinyLlama-1.1B-intermediate-step-1431k-3T": 1.1e9,
    "mistralai__Mistral-7B-v0.1": 7_241_732_096,
    "mistralai__Mixtral-8x7B-v0.1": 46_702_792_704,
    "google__gemma-2b": 2_506_172_416,
    "google__gemma-7b": 8_537_680_896,
    "google__gemma-2-9b": 9.24e9,
    "google__gemma-3-4b-it": 4.3e9,
    "Qwen__Qwen2.5-Coder-3B": 3.09e9,
    "Qwen__Qwen3-8B": 8.2e9,
    "Qwen__Qwen3-30B-A3B": 30.5e9,
    "Qwen__Qwen-7B-Chat": 7.72e9,
    "Qwen__Qwen-1_8B": 1.84e9,
    "microsoft__phi-1_5": 1.42e9,
    "microsoft__Phi-3-mini-4k-instruct": 3.8e9,
    "stabilityai__stablelm-base-alpha-3b": 3.64e9,
    "stabilityai__stablelm-2-1_6b": 1.64e9,
    "bigcode__octocoder": 15.5e9,
    "tiiuae__falcon-40b": 41.3e9,
    "deepseek-ai__DeepSeek-V3": 671e9,
    "deepseek-ai__DeepSeek-V2-Lite": 15.7e9,
    "openai-community__gpt2": 124_439_808,
    "google-bert__bert-large-uncased": 335_141_888,
    "FacebookAI__roberta-base": 125e6,
    "FacebookAI__xlm-roberta-base": 279e6,
    "distilbert__distilbert-base-uncased": 66e6,
    "microsoft__deberta-v3-base": 184e6,
    "answerdotai__ModernBERT-base": 149e6,
    "google-t5__t5-base": 222_903_552,
    "google__mt5-base": 580e6,
    "facebook__bart-large": 406e6,
    "facebook__mbart-large-50": 611e6,
    "Helsinki-NLP__opus-mt-en-de": 74.4e6,
    "facebook__nllb-200-distilled-600M": 615e6,
    "openai__whisper-large-v3": 1_543_490_560,
    "google__vit-base-patch16-224": 86_567_656,
    "openai__clip-vit-base-patch32": 151_277_313,
    "llava-hf__llava-1.5-7b-hf": 7.06e9,
    "bigcode__starcoder2-3b": 3_030_371_328,
    "bigcode__starcoder2-15b": 15_957_889_024,
    "meta-llama__Llama-4-Scout-17B-16E": 108_641_793_536,
    "meta-llama__Llama-3.2-11B-Vision-Instruct": 10_670_220_835,
    "Qwen__Qwen2-VL-7B-Instruct": 8_291_375_616,
    "Qwen__Qwen2.5-VL-7B-Instruct": 8_292_166_656,
    "google__paligemma2-3b-pt-224": 3_032_242_416,
    "mistralai__Mistral-Small-3.1-24B-Instruct-2503": 24_011_361_280,
    "sentence-transformers__all-mpnet-base-v2": 109_486_464,
    "google__electra-base-discriminator": 110e6,
    "facebook__wav2vec2-base-960h": 94_396_320,
    "facebook__wav2vec2-large-960h-lv60-self": 315_471_520,
    "facebook__dinov2-small": 22_056_576,
    "microsoft__resnet-50": 25_557_032,
    "facebook__convnext-base-224": 88.59e6,
    "nvidia__segformer-b5-finetuned-ade-640-640": 84.7e6,
    "facebook__sam-vit-base": 93_735_472,
    "facebook__opt-125m": 125_239_296,
    "facebook__opt-350m": 331_196_416,
    "bigscience__bloom-560m": 559_214_592,
    "EleutherAI__gpt-j-6b": 6_053_381_344,
}

# Published only to one decimal place (in millions), so compared after the same rounding.
PUBLISHED_ROUNDED_M: dict[str, float] = {
    "nvidia__segformer-b0-finetuned-ade-512-512": 3.8,  # SegFormer paper, Table 1 (B0, ADE20K)
}

# Checked part by part in test_config_families.py (DETR: backbone against torchvision's count).
CHECKED_ELSEWHERE = {"facebook__detr-resnet-50"}

PUBLISHED_ACTIVE: dict[str, float] = {
    "mistralai__Mixtral-8x7B-v0.1": 12.9e9,  # Mistral AI announcement: 12.9B per token
    "Qwen__Qwen3-30B-A3B": 3.3e9,  # model card: 3.3B activated
    "deepseek-ai__DeepSeek-V3": 37e9,  # model card: 37B activated
    # Text backbone with 1 routed + the shared expert per layer (SOURCE.txt); card name "17B".
    "meta-llama__Llama-4-Scout-17B-16E": 17_172_894_720,
}


def test_every_fixture_has_a_published_count() -> None:
    folders = {p.name for p in CONFIGS.iterdir() if p.is_dir()}
    assert folders == set(PUBLISHED) | set(PUBLISHED_ROUNDED_M) | CHECKED_ELSEWHERE


@pytest.mark.parametrize("name", sorted(PUBLISHED_ROUNDED_M))
def test_total_params_match_a_rounded_published_count(name: str) -> None:
    arch = arch_from_config(load_config(CONFIGS / name))
    assert round(arch.params_total / 1e6, 1) == PUBLISHED_ROUNDED_M[name], arch.params_total


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_total_params_within_one_percent(name: str) -> None:
    arch = arch_from_config(load_config(CONFIGS / name))
    published = PUBLISHED[name]
    assert abs(arch.params_total - published) / published < 0.01, arch.params_total


@pytest.mark.parametrize("name", sorted(PUBLISHED_ACTIVE))
def test_moe_active_params_within_two_percent(name: str) -> None:
    arch = arch_from_config(load_config(CONFIGS / name))
    assert arch.params_active is not None
    published = PUBLISHED_ACTIVE[name]
    assert abs(arch.params_active - published) / published < 0.02, arch.params_active
    assert arch.params_active < arch.params_total


def test_exact_counts_where_the_hub_publishes_exact_totals() -> None:
    exact = {
        "meta-llama__Llama-2-7b-hf": 6_738_415_616,
        "mistralai__Mistral-7B-v0.1": 7_241_732_096,
        "mistralai__Mixtral-8x7B-v0.1": 46_702_792_704,
        "openai-community__gpt2": 124_439_808,
        "google-t5__t5-base": 222_903_552,
        "openai__whisper-large-v3": 1_543_490_560,
        "google__vit-base-patch16-224": 86_567_656,
        "google-bert__bert-large-uncased": 335_141_888,
    }
    for name, count in exact.items():
        assert arch_from_config(load_config(CONFIGS / name)).params_total == count, name
