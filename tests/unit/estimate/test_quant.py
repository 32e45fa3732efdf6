"""Weight bytes per format against the formats' published layouts."""

from __future__ import annotations

import pytest

from advisor.errors import InvalidValueError
from advisor.estimate import linear_bits, split_params, weights_bytes
from advisor.models.estimate import Precision, parse_precision
from tests.unit.estimate.archs import llama2_7b

GIB = 1024**3


def test_plain_dtypes_are_bytes_per_param() -> None:
    arch = llama2_7b()
    assert weights_bytes(arch, Precision.FP32) == 4 * arch.params_total
    assert weights_bytes(arch, Precision.BF16) == 2 * arch.params_total


def test_nf4_bits_per_weight_follow_qlora() -> None:
    # QLoRA §3: absmax per 64 weights costs 32/64 = 0.5 bit; double quant 8/64 + 32/(64·256).
    assert linear_bits(Precision.NF4) == pytest.approx(4 + 8 / 64 + 32 / (64 * 256))
    assert linear_bits(Precision.NF4) == pytest.approx(4.127, abs=1e-3)
    assert linear_bits(Precision.INT4, double_quant=False) == 4.5


def test_gptq_group_128_overhead() -> None:
    assert linear_bits(Precision.GPTQ_INT4) == pytest.approx(4 + 20 / 128)


def test_gguf_q4_0_llama2_7b_matches_the_published_file_size() -> None:
    # llama-bench lists "llama 7B Q4_0" as 3.56 GiB.
    assert weights_bytes(llama2_7b(), Precision.GGUF_Q4_0) / GIB == pytest.approx(3.56, rel=0.02)


def test_quantized_formats_keep_embeddings_in_16_bit() -> None:
    arch = llama2_7b()
    split = split_params(arch)
    linear_only = split.linear * 4.5 / 8
    assert (
        weights_bytes(arch, Precision.INT4)
        > linear_only + 2 * (split.embedding + split.lm_head) - 1
    )


def test_k_quant_mixes_are_ordered_by_size() -> None:
    arch = llama2_7b()
    names = ["q2_k", "q3_k_m", "q4_k_s", "q4_k_m", "q5_k_m", "q6_k", "q8_0"]
    sizes = [weights_bytes(arch, parse_precision(n)) for n in names]
    assert sizes == sorted(sizes)
    assert weights_bytes(arch, Precision.GGUF_Q8_0) < weights_bytes(arch, Precision.BF16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BF16", Precision.BF16),
        ("gguf-Q4_K_M", Precision.GGUF_Q4_K_M),
        ("q5_k_s", Precision.GGUF_Q5_K_S),
        ("gptq-int4", Precision.GPTQ_INT4),
        ("float16", Precision.FP16),
    ],
)
def test_parse_precision_accepts_names(text: str, expected: Precision) -> None:
    assert parse_precision(text) is expected


def test_parse_precision_lists_valid_names() -> None:
    with pytest.raises(InvalidValueError) as err:
        parse_precision("int3")
    assert "nf4" in (err.value.hint or "")
    assert "gguf-q4_k_m" in (err.value.hint or "")


def test_gpt_oss_in_its_shipped_mxfp4_fits_the_memory_its_card_states() -> None:
    """OpenAI's gpt-oss cards: the 20b runs within 16 GB of memory, the 120b on a single 80 GB
    GPU, thanks to the MXFP4 experts; in bf16 neither would."""
    from advisor.catalog import load_catalog
    from advisor.estimate.quant import weights_bytes
    from advisor.models.estimate import Precision

    catalog = load_catalog(user_dir=None)
    small, big = catalog.get("gpt-oss-20b").arch(), catalog.get("gpt-oss-120b").arch()
    assert weights_bytes(small, Precision.MXFP4) < 16e9 < weights_bytes(small, Precision.BF16)
    assert weights_bytes(big, Precision.MXFP4) < 80e9 < weights_bytes(big, Precision.BF16)
    # only the experts are 4-bit: more than an all-linear 4-bit format would take
    assert weights_bytes(small, Precision.MXFP4) > weights_bytes(small, Precision.AWQ_INT4)
