"""KV cache and activations against numbers worked out by hand from the papers."""

from __future__ import annotations

from advisor.estimate import (
    inference_activation_bytes,
    kv_cache_bytes,
    layer_activation_bytes,
    training_activation_bytes,
    training_logits_bytes,
)
from advisor.models.arch import ArchType, ModelArch
from tests.unit.estimate.archs import gpt_block, llama2_7b, llama3_8b

GIB = 1024**3


def test_llama2_kv_cache_at_4096_tokens_fp16_is_two_gib() -> None:
    # 2 (K and V) · 32 layers · 4096 tokens · 4096 width · 2 bytes
    assert kv_cache_bytes(llama2_7b(), 4096, 1, 2.0) == 2 * 32 * 4096 * 4096 * 2 == 2 * GIB


def test_gqa_cache_shrinks_by_the_head_ratio() -> None:
    # Llama-3-8B: 8 of 32 heads keep K/V, so a quarter of Llama-2's cache per token.
    assert kv_cache_bytes(llama3_8b(), 8192, 1, 2.0) == 2 * 32 * 8 * 128 * 8192 * 2 == GIB


def test_kv_cache_scales_with_batch_and_precision() -> None:
    arch = llama2_7b()
    one = kv_cache_bytes(arch, 1000, 1, 2.0)
    assert kv_cache_bytes(arch, 1000, 3, 2.0) == 3 * one
    assert kv_cache_bytes(arch, 1000, 1, 1.0) == one // 2  # fp8 cache


def test_sliding_window_caps_cached_tokens() -> None:
    mistral = llama3_8b().model_copy(update={"sliding_window": 4096})
    assert kv_cache_bytes(mistral, 32768, 1, 2.0) == kv_cache_bytes(mistral, 4096, 1, 2.0)


def test_mla_caches_the_latent_only() -> None:
    # DeepSeek-V2: kv_lora_rank 512 + rope 64 = 576 elements per layer and token.
    ds = ModelArch(
        arch_type=ArchType.DECODER,
        num_layers=60,
        hidden_size=5120,
        num_attention_heads=128,
        kv_lora_rank=512,
        qk_rope_head_dim=64,
        params_total=236_000_000_000,
    )
    assert kv_cache_bytes(ds, 1000, 1, 2.0) == 60 * 1000 * 576 * 2


def test_encoder_only_models_have_no_kv_cache() -> None:
    assert kv_cache_bytes(gpt_block(), 512, 4, 2.0) == 0


def test_korthikanti_layer_formula_for_a_gpt_block() -> None:
    # sbh(34 + 5as/h) bytes in 16-bit (arXiv 2205.05198 eq. 1) for I = 4h with dropout.
    s, b, h, a = 512, 2, 256, 4
    expected = s * b * h * 34 + 5 * a * s * s * b
    got = layer_activation_bytes(gpt_block(hidden=h, heads=a), s, b, flash_attention=False)
    assert got == expected


def test_flash_attention_drops_the_quadratic_term() -> None:
    s, b, h = 512, 2, 256
    got = layer_activation_bytes(gpt_block(hidden=h), s, b, flash_attention=True)
    assert got == s * b * h * 34


def test_recomputation_keeps_layer_inputs_plus_one_layer() -> None:
    arch = gpt_block(layers=8)
    s, b, h = 256, 1, 256
    one = layer_activation_bytes(arch, s, b)
    full = training_activation_bytes(arch, s, b)
    ckpt = training_activation_bytes(arch, s, b, checkpointing=True)
    assert full == 8 * one + 2 * s * b * h
    assert ckpt == 8 * 2 * s * b * h + one
    assert ckpt < full


def test_fp32_training_doubles_16_bit_tensors() -> None:
    arch = gpt_block()
    fp16 = layer_activation_bytes(arch, 128, 1)
    fp32 = layer_activation_bytes(arch, 128, 1, element_bytes=4)
    masks = 2 * 128 * 256  # two 1-byte dropout masks per token do not grow
    assert fp32 == 2 * (fp16 - masks) + masks


def test_logits_buffer_and_chunked_loss() -> None:
    arch = llama2_7b()
    full = training_logits_bytes(arch, 4096, 1, chunked=False)
    assert full == 4096 * 32000 * 12
    assert training_logits_bytes(arch, 4096, 1, chunked=True) < full / 3


def test_inference_activations_are_one_layer_not_all() -> None:
    arch = llama2_7b()
    prefill = inference_activation_bytes(arch, 2048, 1)
    assert prefill < training_activation_bytes(arch, 2048, 1) / 10
    assert prefill > 2048 * 4096 * 2  # at least the residual stream
