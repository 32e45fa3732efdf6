"""Repos for the fake Hub: real configs, and safetensors headers built from their shapes.

The tensor list of a Llama-style checkpoint (Llama, Mistral, Qwen2) follows the layout of
transformers' ``modeling_llama.py`` / ``modeling_qwen2.py`` state dicts: token embeddings, per
layer q/k/v/o projections (Qwen2 adds q/k/v biases), gate/up/down projections and two RMSNorm
weights, a final norm, and ``lm_head`` unless the embeddings are tied. It is written here on
its own, not taken from advisor's estimators, so the two can disagree.
"""

from __future__ import annotations

import json
import os
import struct
from math import prod
from pathlib import Path
from typing import Any

from tests.hub.fakehub import FakeFile, FakeHub, FakeRepo

CONFIGS = Path(__file__).parents[1] / "fixtures" / "configs"

QWEN_REPO = "Qwen/Qwen2.5-0.5B"
QWEN_PARAMS = 494_032_768
"""Published: the Hub's safetensors count for Qwen/Qwen2.5-0.5B (model card: 0.49B)."""
QWEN_CONFIG: dict[str, Any] = {
    "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
    "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896,
    "initializer_range": 0.02, "intermediate_size": 4864, "max_position_embeddings": 32768,
    "max_window_layers": 24, "model_type": "qwen2", "num_attention_heads": 14,
    "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": True,
    "torch_dtype": "bfloat16", "transformers_version": "4.40.1", "use_cache": True,
    "use_mrope": False, "use_sliding_window": False, "vocab_size": 151936,
}  # fmt: skip
"""Transcribed from https://huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json."""
QWEN_V1 = "b" * 40

MISTRAL_REPO = "mistralai/Mistral-7B-v0.1"
MISTRAL_PARAMS = 7_241_732_096
"""Published: the Hub's safetensors count (tests/fixtures/configs/SOURCE.txt)."""

GGUF_REPO = "bartowski/Llama-3.2-1B-Instruct-GGUF"
GGUF_PARAMS = 1_235_814_400
"""Llama 3.2 1B: the parameter count the Hub's GGUF metadata states for this family."""
GGUF_FILES = {
    "Llama-3.2-1B-Instruct-Q4_K_M.gguf": 807_694_464,
    "Llama-3.2-1B-Instruct-Q8_0.gguf": 1_321_083_008,
    "Llama-3.2-1B-Instruct-IQ3_M.gguf": 657_289_344,
    "Llama-3.2-1B-Instruct-f16.gguf": 2_479_595_584,
}
"""File sizes of the fixture (not measured on the Hub)."""

GATED_REPO = "example-org/gated-tiny"
TINY_CONFIG: dict[str, Any] = {
    "model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 256,
    "intermediate_size": 688, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 4, "vocab_size": 1000, "max_position_embeddings": 2048,
    "tie_word_embeddings": False, "torch_dtype": "float32",
}  # fmt: skip
TINY_PARAMS = 1000 * 256 * 2 + 2 * (4 * 256 * 256 + 3 * 256 * 688 + 2 * 256) + 256
"""Embeddings and lm_head, two layers (four 256² projections, three 256×688 MLP matrices,
two norms), final norm."""

BROKEN_REPO = "example-org/broken-config"

SCORED_REPO = "example-org/wav2vec2-with-card-scores"
"""A speech-recognition repo whose card has a model-index: config.json of
facebook/wav2vec2-base-960h (tests/fixtures/configs), the Hub's parameter count for it
(SOURCE.txt), and the model-index of openai/whisper-medium's card (tests/hub/model_index.py).
A stand-in that carries real card data, not a copy of either repo."""
SCORED_PARAMS = 94_396_320

DTYPE_BYTES = {"BF16": 2, "F16": 2, "F32": 4}


def decoder_tensors(config: dict[str, Any], *, qkv_bias: bool = False) -> dict[str, list[int]]:
    """Name → shape of every tensor of a Llama-style checkpoint described by ``config``."""
    h, inter = config["hidden_size"], config["intermediate_size"]
    heads, kv = config["num_attention_heads"], config.get("num_key_value_heads") or 0
    kv = kv or heads
    hd = config.get("head_dim") or h // heads
    vocab = config["vocab_size"]
    out: dict[str, list[int]] = {"model.embed_tokens.weight": [vocab, h]}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out[p + "input_layernorm.weight"] = [h]
        out[p + "post_attention_layernorm.weight"] = [h]
        out[p + "self_attn.q_proj.weight"] = [heads * hd, h]
        out[p + "self_attn.k_proj.weight"] = [kv * hd, h]
        out[p + "self_attn.v_proj.weight"] = [kv * hd, h]
        out[p + "self_attn.o_proj.weight"] = [h, heads * hd]
        if qkv_bias:
            out[p + "self_attn.q_proj.bias"] = [heads * hd]
            out[p + "self_attn.k_proj.bias"] = [kv * hd]
            out[p + "self_attn.v_proj.bias"] = [kv * hd]
        out[p + "mlp.gate_proj.weight"] = [inter, h]
        out[p + "mlp.up_proj.weight"] = [inter, h]
        out[p + "mlp.down_proj.weight"] = [h, inter]
    out["model.norm.weight"] = [h]
    if not config.get("tie_word_embeddings", False):
        out["lm_head.weight"] = [vocab, h]
    return out


def safetensors_file(tensors: dict[str, list[int]], dtype: str = "BF16") -> FakeFile:
    """A safetensors file: 8-byte little-endian header length, JSON header, then (virtual)
    tensor data at the offsets the header states."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in tensors.items():
        size = prod(shape) * DTYPE_BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the format pads the header to 8 bytes
    prefix = struct.pack("<Q", len(raw)) + raw
    return FakeFile(prefix, size=len(prefix) + offset)


def sharded(tensors: dict[str, list[int]], shards: int, dtype: str = "BF16") -> dict[str, FakeFile]:
    """``shards`` safetensors files plus ``model.safetensors.index.json``."""
    names = list(tensors)
    per = -(-len(names) // shards)
    files: dict[str, FakeFile] = {}
    weight_map: dict[str, str] = {}
    total = 0
    for i in range(shards):
        part = {n: tensors[n] for n in names[i * per : (i + 1) * per]}
        fname = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        files[fname] = safetensors_file(part, dtype)
        weight_map.update(dict.fromkeys(part, fname))
        total += sum(prod(s) for s in part.values()) * DTYPE_BYTES[dtype]
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    files["model.safetensors.index.json"] = FakeFile(json.dumps(index).encode())
    return files


def _json(data: dict[str, Any]) -> FakeFile:
    return FakeFile(json.dumps(data, indent=2).encode())


def populate(hub: FakeHub) -> None:
    """The repos every Hub test can use."""
    from tests.hub.model_index import WHISPER_MEDIUM

    wav2vec2 = json.loads((CONFIGS / "facebook__wav2vec2-base-960h" / "config.json").read_text())
    hub.add(FakeRepo(
        SCORED_REPO,
        {"config.json": _json(wav2vec2), "README.md": FakeFile(b"---\nlicense: apache-2.0\n---\n")},
        sha="7" * 40,
        info={
            "pipeline_tag": "automatic-speech-recognition", "library_name": "transformers",
            "downloads": 4_321,
            "cardData": {"license": "apache-2.0", "language": ["en"],
                         "model-index": WHISPER_MEDIUM},
            "safetensors": {"parameters": {"F32": SCORED_PARAMS}, "total": SCORED_PARAMS},
        },
    ))  # fmt: skip
    hub.add(FakeRepo(
        QWEN_REPO,
        {
            "config.json": _json(QWEN_CONFIG),
            "model.safetensors": safetensors_file(decoder_tensors(QWEN_CONFIG, qkv_bias=True)),
            "generation_config.json": _json({"bos_token_id": 151643}),
            "README.md": FakeFile(b"---\nlicense: apache-2.0\n---\n"),
        },
        revisions={"v1": QWEN_V1},
        info={
            "pipeline_tag": "text-generation", "library_name": "transformers",
            "downloads": 1_234_567, "cardData": {"license": "apache-2.0", "language": ["en"]},
        },
    ))  # fmt: skip
    mistral = json.loads((CONFIGS / "mistralai__Mistral-7B-v0.1" / "config.json").read_text())
    hub.add(FakeRepo(
        MISTRAL_REPO,
        {"config.json": _json(mistral), **sharded(decoder_tensors(mistral), 2)},
        sha="c" * 40,
        info={"pipeline_tag": "text-generation", "cardData": {"license": "apache-2.0",
              "language": ["en"]}},
    ))  # fmt: skip
    hub.add(FakeRepo(
        GGUF_REPO,
        {name: FakeFile(b"GGUF", size=size) for name, size in GGUF_FILES.items()},
        sha="d" * 40,
        info={
            "pipeline_tag": "text-generation", "library_name": "gguf",
            "cardData": {"license": "llama3.2", "language": ["en", "de", "fr"]},
            "gguf": {"total": GGUF_PARAMS, "architecture": "llama", "context_length": 131072},
        },
    ))  # fmt: skip
    hub.add(FakeRepo(
        GATED_REPO,
        {
            "config.json": _json(TINY_CONFIG),
            "model.safetensors": safetensors_file(decoder_tensors(TINY_CONFIG), "F32"),
        },
        sha="e" * 40, gated=True, allowed_tokens={"hf_granted_token_0123456789"},
        info={"pipeline_tag": "text-generation", "cardData": {"license": "llama3.2"}},
    ))  # fmt: skip
    hub.add(FakeRepo(
        BROKEN_REPO,
        {
            "config.json": FakeFile(b'{"model_type": "llama", "hidden_size": '),
            "model.safetensors": safetensors_file(decoder_tensors(TINY_CONFIG), "F32"),
        },
        sha="f" * 40, info={"pipeline_tag": "text-generation"},
    ))  # fmt: skip


def write_hf_cache(
    root: Path, repo_id: str, files: dict[str, FakeFile], commit: str, *, ref: str = "main"
) -> Path:
    """Lay ``files`` out as huggingface_hub's cache does; return the snapshot folder.

    Large files are written sparse (their real size, almost no disk).
    """
    folder = root / ("models--" + repo_id.replace("/", "--"))
    snap = folder / "snapshots" / commit
    (folder / "blobs").mkdir(parents=True, exist_ok=True)
    (folder / "refs").mkdir(exist_ok=True)
    (folder / "refs" / ref).write_text(commit)
    for name, f in files.items():
        blob = folder / "blobs" / f"{abs(hash((repo_id, name))):x}"
        with blob.open("wb") as out:
            out.write(f.data)
            out.truncate(f.total)
        link = snap / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    return snap
