"""The defaults Hugging Face configuration classes give fields a config.json may omit.

``transformers`` loads a config.json into the model type's configuration class, whose
``__init__`` supplies every field the file leaves out; many published configs rely on this
(T5-family files often omit ``vocab_size``; older BERT files omit ``type_vocab_size``). The
readers here see the file only, so ``with_class_defaults`` fills the omitted fields the same
way, and says which it filled.

Source: the keyword defaults of ``__init__`` in transformers 4.46.3
``src/transformers/models/<family>/configuration_<family>.py`` (T5Config, MT5Config,
UMT5Config, BertConfig, RobertaConfig, GPT2Config, BartConfig, WhisperConfig, LlamaConfig,
MistralConfig, Qwen2Config), read from the released wheel. Only fields the readers use are
listed.

The size fields (``SIZE_KEYS``: width, depth, heads, MLP width) are not filled even though the
classes default them: a file without them is not the model's config (it would silently become
the class's reference model, e.g. a 7B Llama), so it is still refused with the missing key
named. Vocabulary, head width, position tables, tying and the MLP kind are filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_BERT = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
}
_MT5 = {
    "vocab_size": 250112,
    "d_model": 512,
    "d_kv": 64,
    "d_ff": 1024,
    "num_layers": 8,
    "num_heads": 6,
    "relative_attention_num_buckets": 32,
    "feed_forward_proj": "gated-gelu",
}

CLASS_DEFAULTS: dict[str, dict[str, Any]] = {
    "t5": {
        "vocab_size": 32128,
        "d_model": 512,
        "d_kv": 64,
        "d_ff": 2048,
        "num_layers": 6,
        "num_heads": 8,
        "relative_attention_num_buckets": 32,
        "feed_forward_proj": "relu",
    },
    "mt5": {**_MT5, "tie_word_embeddings": False},
    "umt5": {**_MT5, "tie_word_embeddings": True},
    "bert": _BERT,
    "roberta": {**_BERT, "vocab_size": 50265},
    "gpt2": {"vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12},
    "bart": {
        "vocab_size": 50265,
        "max_position_embeddings": 1024,
        "encoder_layers": 12,
        "encoder_ffn_dim": 4096,
        "encoder_attention_heads": 16,
        "decoder_layers": 12,
        "decoder_ffn_dim": 4096,
        "decoder_attention_heads": 16,
        "d_model": 1024,
    },
    "whisper": {
        "vocab_size": 51865,
        "num_mel_bins": 80,
        "encoder_layers": 4,
        "encoder_attention_heads": 6,
        "decoder_layers": 4,
        "decoder_attention_heads": 6,
        "decoder_ffn_dim": 1536,
        "encoder_ffn_dim": 1536,
        "d_model": 384,
        "max_source_positions": 1500,
        "max_target_positions": 448,
    },
    "llama": {
        "vocab_size": 32000,
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "max_position_embeddings": 2048,
        "tie_word_embeddings": False,
    },
    "mistral": {
        "vocab_size": 32000,
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "tie_word_embeddings": False,
    },
    "qwen2": {
        "vocab_size": 151936,
        "hidden_size": 4096,
        "intermediate_size": 22016,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "max_position_embeddings": 32768,
        "tie_word_embeddings": False,
    },
}
"""model_type → the configuration class's defaults for the fields the readers use."""


SIZE_KEYS = frozenset(
    {
        "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
        "d_model", "d_ff", "num_layers", "num_heads", "n_embd", "n_layer", "n_head",
        "encoder_layers", "decoder_layers", "encoder_attention_heads",
        "decoder_attention_heads", "encoder_ffn_dim", "decoder_ffn_dim",
    }
)  # fmt: skip
"""Fields that fix the model's size: never filled from a class default."""


def with_class_defaults(config: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``config`` with omitted (or null) fields set to its class's defaults, and the names of
    the fields filled (empty when the model type has no table or nothing was omitted)."""
    defaults = CLASS_DEFAULTS.get(str(config.get("model_type") or ""), {})
    filled = sorted(k for k in defaults if config.get(k) is None and k not in SIZE_KEYS)
    if not filled:
        return dict(config), []
    return {**config, **{k: defaults[k] for k in filled}}, filled
