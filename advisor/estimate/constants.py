"""Every number the estimators use that is not read from the model, with its source.

Constants marked *calibrated* are set from published benchmark tables (named next to them),
not fitted per row; the accuracy bench (``bench/accuracy.py``) shows how well they generalise.
"""

from __future__ import annotations

from advisor.units import MIB

# --- Runtime overhead -----------------------------------------------------------------------

CUDA_CONTEXT_BYTES = 1024 * MIB
"""CUDA context plus the kernels PyTorch loads (cuBLAS, cuDNN, its own), as nvidia-smi counts.

Hugging Face measured 1343 MiB on a V100 with torch 1.13 ("Model training anatomy",
transformers docs, v4.27); CUDA ≥ 11.7 loads kernels lazily (CUDA_MODULE_LOADING=LAZY,
default since PyTorch 2.0), which brings it to roughly 0.5–1 GiB. We take 1 GiB."""

ALLOCATOR_SLACK_FRACTION = 0.05
"""PyTorch's caching allocator reserves more than it hands out (block rounding to 2 MiB,
fragmentation); ``memory_reserved`` typically exceeds ``max_memory_allocated`` by a few per cent
(PyTorch docs, "CUDA semantics: memory management"). Applied to tensor bytes."""

VLLM_GPU_MEMORY_UTILIZATION = 0.9
"""vLLM pre-allocates this share of device memory and fills what weights and activations leave
with KV-cache blocks (``gpu_memory_utilization`` default, vLLM engine arguments)."""

# --- Weight formats -------------------------------------------------------------------------

BNB_4BIT_BLOCK = 64
"""bitsandbytes 4-bit (NF4/FP4) blocksize: one absmax per 64 weights (QLoRA, arXiv 2305.14314
§3)."""

BNB_DQ_BLOCK = 256
"""Double quantization: the fp32 absmax values are quantized to 8 bits in blocks of 256, with
one fp32 constant per block: 8/64 + 32/(64·256) = 0.127 bits per weight (QLoRA §3)."""

GPTQ_GROUP_SIZE = 128
"""GPTQ / AWQ default group size: one fp16 scale and one packed 4-bit zero per 128 input weights
per output (AutoGPTQ / AutoAWQ defaults)."""

BNB_INT8_SCALE_BYTES = 4
"""LLM.int8(): one fp32 scale per output row (bitsandbytes ``Int8Params.SCB``)."""

# --- Training --------------------------------------------------------------------------------

ADAM_8BIT_BYTES_PER_PARAM = 2.0
"""bitsandbytes 8-bit Adam: m and v in 8 bits (1 B each) plus a per-2048-block fp32 absmax
(Dettmers et al. 2021, arXiv 2110.02861); the block constants are negligible."""

LOGITS_BYTES_PER_ELEMENT_TRAIN = 12
"""Bytes per (token × vocabulary) element during the loss: the 16-bit (or fp32) logits, their fp32
upcast (transformers ``logits.float()``) and log-softmax output kept for backward, whose gradient
replaces the upcast in backward. 2 + 4 + 4 rounded up by the 16-bit gradient of the logits."""

LORA_DROPOUT_BYTES_PER_INPUT = 3
"""PEFT/litgpt apply dropout to a LoRA target's input: the dropped copy (2 B) and its mask (1 B)
are saved for backward per input element (Korthikanti et al. count dropout the same way)."""

# --- Throughput --------------------------------------------------------------------------------

EAGER_LAYER_OVERHEAD_S = 0.75e-3
"""Python/kernel-launch time per transformer layer per decode step in eager PyTorch at batch 1.
PyTorch's "Accelerating Generative AI with PyTorch II: GPT, Fast" (2023) measured Llama-2-7B
eager at 25.5 tok/s on an A100 (≈39 ms/token) against ≈7 ms to stream 13.5 GB: ≈1 ms per layer
of overhead; Qwen's README (HF generate, A100) implies ≈0.5 ms. We take the middle."""

BNB_4BIT_LAYER_OVERHEAD_S = 0.6e-3
"""Extra per-layer decode time of bitsandbytes 4-bit layers (dequantize kernels per linear), from
litgpt's published inference table (tutorials/quantize.md: bnb.nf4 vs bf16 tok/s on an A100)."""

COMPILED_LAYER_OVERHEAD_S = 0.04e-3
"""Per-layer decode overhead of engines that launch kernels from C++ or CUDA graphs (llama.cpp,
vLLM, TensorRT-LLM, ...): tens of microseconds (llama.cpp CUDA-graphs PR #6766 reports
~5–10 % of a 7B token). Calibrated on the llama.cpp CUDA scoreboard (discussion #15013)."""

DECODE_BANDWIDTH_EFFICIENCY = 0.8
"""Share of datasheet memory bandwidth a decode step achieves on a discrete GPU. gpt-fast reports
≈1.4 TB/s of the A100's 2.0 TB/s (70 %); vLLM and llama.cpp kernels reach 75–90 %."""

UNIFIED_MEMORY_BANDWIDTH_EFFICIENCY = 0.6
"""Apple-silicon GPUs reach ≈60 % of the advertised unified-memory bandwidth in llama.cpp
(llama.cpp discussion #4167, Q4_0 7B tg128 against each chip's bandwidth)."""

MFU_SINGLE_NODE = 0.35
"""Model FLOPs utilisation of fine-tuning with transformers / PEFT on one node: 30–40 % is
typical (HF "Efficient training on a single GPU"; Unsloth and torchtune report 30–45 % on A100)."""

MFU_LARGE_SCALE = 0.45
"""Well-tuned large-scale training (Megatron/DeepSpeed): PaLM reports 46.2 % MFU (arXiv
2204.02311 Table 3); Korthikanti et al. report 40–56 % with selective recomputation."""

MFU_PREFILL = 0.5
"""Prefill is a large matmul per layer; vLLM and TensorRT-LLM reach about half of peak."""

FP32_PEAK_FRACTION = 0.125
"""fp32 (no tensor cores) peak relative to 16-bit tensor peak: V100 15.7/125, A100 19.5/312
(1/16; TF32 is off by default for matmuls since PyTorch 1.12). NVIDIA datasheets."""

FROZEN_BACKWARD_FLOPS_FACTOR = 4.0 / 6.0
"""With a frozen base (LoRA, QLoRA) backward skips the weight gradients: forward 2N + backward
2N (input gradients only) = 4N instead of 6N per token (Transformer Math 101, EleutherAI)."""

RECOMPUTE_FLOPS_FACTOR = 8.0 / 6.0
"""Full activation recomputation adds one forward: 8N instead of 6N per token (Korthikanti et al.
2022, arXiv 2205.05198 §5)."""
