"""Model shapes the estimator tests share, taken from the models' published config.json."""

from __future__ import annotations

from advisor.models.arch import ArchType, ModelArch


def llama2_7b() -> ModelArch:
    """meta-llama/Llama-2-7b-hf: 32 layers, 4096 wide, MHA, SwiGLU 11008, 32000 vocab."""
    return ModelArch(
        model_type="llama",
        arch_type=ArchType.DECODER,
        num_layers=32,
        hidden_size=4096,
        intermediate_size=11008,
        num_attention_heads=32,
        num_key_value_heads=32,
        head_dim=128,
        vocab_size=32000,
        params_total=6_738_415_616,
        params_embedding=2 * 32000 * 4096,
        params_lm_head=32000 * 4096,
        gated_mlp=True,
    )


def llama3_8b() -> ModelArch:
    """meta-llama/Meta-Llama-3-8B: GQA with 8 KV heads."""
    return llama2_7b().model_copy(
        update={
            "num_key_value_heads": 8,
            "intermediate_size": 14336,
            "vocab_size": 128256,
            "params_total": 8_030_261_248,
            "params_embedding": 2 * 128256 * 4096,
            "params_lm_head": 128256 * 4096,
        }
    )


def gpt_block(
    layers: int = 4, hidden: int = 256, heads: int = 4, params: int = 10_000_000
) -> ModelArch:
    """A GPT-style encoder block as Korthikanti et al. analyse it: I = 4h, dropout, no gating."""
    return ModelArch(
        arch_type=ArchType.ENCODER,
        num_layers=layers,
        hidden_size=hidden,
        intermediate_size=4 * hidden,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        vocab_size=1000,
        params_total=params,
        gated_mlp=False,
    )
