"""Decode time per step as physics, one model per runtime.

One decode step of a batch of ``B`` sequences on ``n`` tensor-parallel devices takes

    t = bytes / (eff · BW · n)               weights (MoE: the union of experts the batch
                                             touches) + each sequence's KV cache, streamed once
      + layers · layer_s                     kernel launches / Python per layer
      + step_s                               the engine's per-step work (sampling, scheduling)
      + 2 · layers · (ar_latency + ring)     two tensor-parallel all-reduces per layer
                                             (Megatron-LM, arXiv 1909.08053 §3)

floored by compute at large batch: ``2 · active params · B / (n · peak · MFU)``.

Each runtime's constants are a ``DecodeModel``: the fitted values, the publications (ground-truth
``source_group``) they were fitted on, and the documented default a leave-one-publication-out
run falls back to when the only publication a constant was fitted on is the one left out.
``bench/fitting.py`` refits them and ``bench/accuracy.py`` checks the table below matches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from advisor.estimate.constants import (
    BNB_4BIT_LAYER_OVERHEAD_S,
    COMPILED_LAYER_OVERHEAD_S,
    DECODE_BANDWIDTH_EFFICIENCY,
    EAGER_LAYER_OVERHEAD_S,
    MFU_PREFILL,
    UNIFIED_MEMORY_BANDWIDTH_EFFICIENCY,
)
from advisor.estimate.memory import dims, kv_cache_bytes
from advisor.estimate.quant import bytes_read_per_token, kv_element_bytes, weights_bytes
from advisor.models.arch import ModelArch
from advisor.models.estimate import EstimateSetup, Precision, Runtime
from advisor.models.hardware import GpuInfo

NVLINK_BYTES_PER_S = 300e9
"""One direction of an A100's NVLink 3 (600 GB/s bidirectional, NVIDIA A100 datasheet); the
ring all-reduce moves ``2·(n−1)/n`` of the message over it."""


@dataclass(frozen=True)
class DecodeModel:
    """The constants of one runtime's decode model, with where they come from."""

    name: str
    efficiency: float
    """Share of datasheet bandwidth a step's reads reach on a discrete GPU."""
    unified_efficiency: float
    """The same on unified memory (Apple silicon)."""
    layer_s: float
    """Launch / Python cost per layer per step."""
    step_s: float
    """Per-step engine cost (sampling, scheduling, host sync), independent of depth."""
    allreduce_s: float
    """Latency of one tensor-parallel all-reduce (message time added from NVLink bandwidth)."""
    bnb4_layer_s: float
    """Extra per-layer cost of bitsandbytes 4-bit layers (dequantize before each matmul)."""
    source: str
    fitted_on: tuple[str, ...] = ()
    """Ground-truth publications the fitted fields were fitted on (empty: all documented)."""


EAGER_DEFAULT = DecodeModel(
    name="eager PyTorch (Transformers generate, litgpt)",
    efficiency=DECODE_BANDWIDTH_EFFICIENCY,
    unified_efficiency=UNIFIED_MEMORY_BANDWIDTH_EFFICIENCY,
    layer_s=EAGER_LAYER_OVERHEAD_S,
    step_s=0.0,
    allreduce_s=0.0,
    bnb4_layer_s=BNB_4BIT_LAYER_OVERHEAD_S,
    source="gpt-fast (PyTorch blog 2023): eager Llama-2-7B ≈ 1 ms per layer of overhead",
)
COMPILED_DEFAULT = DecodeModel(
    name="compiled engine (CUDA graphs / C++ launch)",
    efficiency=DECODE_BANDWIDTH_EFFICIENCY,
    unified_efficiency=UNIFIED_MEMORY_BANDWIDTH_EFFICIENCY,
    layer_s=COMPILED_LAYER_OVERHEAD_S,
    step_s=0.0,
    allreduce_s=0.0,
    bnb4_layer_s=0.0,
    source="llama.cpp CUDA-graphs PR #6766 (tens of µs per layer); per-step cost unmeasured: 0",
)

# Fitted by ``python bench/fitting.py`` on the public ground truth (least squares on the
# relative step time, efficiency on a 0.5–1.0 grid, costs ≥ 0).
EAGER = replace(
    EAGER_DEFAULT,
    efficiency=1.0,
    layer_s=0.5358e-3,
    step_s=5.940e-3,
    bnb4_layer_s=0.5823e-3,
    source="fitted on litgpt's and Qwen's published generate() speeds (A100)",
    fitted_on=("litgpt-resource-tables", "qwen-readme"),
)
LLAMA_CPP = replace(
    COMPILED_DEFAULT,
    name="llama.cpp",
    efficiency=1.0,
    unified_efficiency=0.655,
    layer_s=0.0683e-3,
    step_s=0.0,
    source="fitted on llama-bench tg128 scoreboards (llama.cpp discussions #15013, #4167)",
    fitted_on=("llamacpp-discussions",),
)
TENSOR_RT = replace(
    COMPILED_DEFAULT,
    name="TensorRT-LLM / FasterTransformer",
    efficiency=0.825,
    allreduce_s=21.6e-6,
    source="defaults; all-reduce latency fitted on FasterTransformer's 1- vs 2-GPU latency",
    fitted_on=("llm-analysis-fastertransformer",),
)
ENGINES = replace(
    COMPILED_DEFAULT,
    name="serving engine with CUDA graphs (vLLM, SGLang, TGI, MLC, ExLlama)",
    allreduce_s=TENSOR_RT.allreduce_s,
    source=COMPILED_DEFAULT.source
    + "; no public row fits these engines yet; all-reduce latency as fitted for FasterTransformer"
    " (the same NVLink collective)",
)

DECODE_MODELS: dict[Runtime, DecodeModel] = {
    Runtime.TRANSFORMERS: EAGER,
    Runtime.LLAMA_CPP: LLAMA_CPP,
    Runtime.TENSORRT_LLM: TENSOR_RT,
    Runtime.VLLM: ENGINES,
    Runtime.SGLANG: ENGINES,
    Runtime.TGI: ENGINES,
    Runtime.MLC: ENGINES,
    Runtime.EXLLAMA: ENGINES,
}
"""Runtime → its decode model (the fitted values)."""

DEFAULT_MODELS: dict[Runtime, DecodeModel] = {
    r: EAGER_DEFAULT if r is Runtime.TRANSFORMERS else COMPILED_DEFAULT for r in Runtime
}
"""Runtime → the documented defaults, used when the fit's own publication is left out."""

QUANT_KERNEL_EFFICIENCY: dict[str, float] = {"gptq": 1.0, "awq": 1.0, "bnb": 1.0, "gguf": 1.0}
"""Bandwidth efficiency of quantised matmul kernels relative to 16-bit ones. GGUF is inside
llama.cpp's fit (every public llama.cpp row is Q4_0); bitsandbytes' cost shows as the per-layer
dequantize term instead; no public row isolates GPTQ/AWQ kernels, so 1.0 until
``bench/calibrate_gpu.py`` measures them."""


def _format(precision: Precision) -> str | None:
    if precision.is_gguf:
        return "gguf"
    if precision in (Precision.GPTQ_INT4,):
        return "gptq"
    if precision in (Precision.AWQ_INT4,):
        return "awq"
    if precision in (Precision.NF4, Precision.INT4, Precision.INT8):
        return "bnb"
    return None


def expected_experts(experts: int, per_token: int, batch: int) -> float:
    """Distinct experts a batch of ``batch`` tokens touches in one MoE layer, each token routed
    to ``per_token`` of ``experts`` uniformly: ``E · (1 − (1 − k/E)^B)``."""
    if experts <= 0 or per_token <= 0:
        return 0.0
    return experts * (1.0 - (1.0 - min(per_token, experts) / experts) ** batch)


def moe_union_bytes(arch: ModelArch | None, weight_bytes_read: float, total_bytes: float,
                    batch: int) -> float:  # fmt: skip
    """Weight bytes a batched MoE step reads: the active set read for one token grows towards the
    whole expert pool as the batch touches more distinct experts (never above all weights)."""
    if arch is None or batch <= 1 or not arch.is_moe or not arch.num_experts:
        return weight_bytes_read
    k = arch.experts_per_token or 1
    e = arch.num_experts
    if k >= e:
        return weight_bytes_read
    expert_one = (total_bytes - weight_bytes_read) / (e - k)  # bytes of one expert, all layers
    extra = (expected_experts(e, k, batch) - k) * expert_one
    return min(weight_bytes_read + max(extra, 0.0), total_bytes)


@dataclass(frozen=True)
class DecodeTerms:
    """The model-independent inputs of one step (what ``bench/fitting.py`` fits against)."""

    bytes_read: float
    bandwidth: float
    unified: bool
    tp: int
    layers: int
    batch: int
    hidden: int
    flops_floor_s: float
    bnb4: bool


def step_seconds(t: DecodeTerms, m: DecodeModel) -> float:
    """Seconds for one decode step of the whole batch under decode model ``m``."""
    eff = m.unified_efficiency if t.unified else m.efficiency
    stream = t.bytes_read / (eff * t.bandwidth * t.tp)
    launch = t.layers * (m.layer_s + (m.bnb4_layer_s if t.bnb4 else 0.0)) + m.step_s
    comm = 0.0
    if t.tp > 1:
        message = t.batch * t.hidden * 2.0
        ring = 2.0 * (t.tp - 1) / t.tp * message / NVLINK_BYTES_PER_S
        comm = 2.0 * t.layers * (m.allreduce_s + ring)
    return max(stream + launch + comm, t.flops_floor_s)


def decode_terms(
    *,
    weight_bytes_read: float,
    kv_bytes_read_per_seq: float,
    batch: int,
    layers: int,
    gpu: GpuInfo,
    setup: EstimateSetup,
    arch: ModelArch | None = None,
    total_weight_bytes: float | None = None,
) -> DecodeTerms | None:
    """The step's terms, or None without a bandwidth figure."""
    bw = gpu.memory_bandwidth_bytes_per_s
    if not bw:
        return None
    tp = setup.tensor_parallel if setup.tensor_parallel > 1 else 1
    if setup.gpus > 1 and tp == 1 and setup.runtime is not Runtime.TRANSFORMERS:
        tp = setup.gpus  # serving engines shard tensors across the GPUs they are given
    weights = weight_bytes_read
    if total_weight_bytes is not None:
        weights = moe_union_bytes(arch, weight_bytes_read, total_weight_bytes, batch)
    fmt = _format(setup.precision)
    weights /= QUANT_KERNEL_EFFICIENCY.get(fmt, 1.0) if fmt else 1.0
    floor = 0.0
    if arch is not None and gpu.bf16_tflops:
        active = arch.params_active or arch.params_total
        floor = 2.0 * active * batch / (tp * gpu.bf16_tflops * 1e12 * MFU_PREFILL)
    return DecodeTerms(
        bytes_read=weights + kv_bytes_read_per_seq * batch,
        bandwidth=bw,
        unified=gpu.unified_memory,
        tp=tp,
        layers=layers,
        batch=batch,
        hidden=(arch.hidden_size or 0) if arch is not None else 0,
        flops_floor_s=floor,
        bnb4=setup.runtime is Runtime.TRANSFORMERS
        and setup.precision in (Precision.NF4, Precision.INT4),
    )


PUBLIC_MEDIAN_ERROR: dict[str, tuple[float, int]] = {
    "decode/eager": (0.099, 11),
    "decode/llama.cpp": (0.176, 12),
    "decode/tensorrt-llm": (0.071, 2),
    "inference-memory": (0.028, 19),
    "training-memory/full": (0.094, 11),
    "training-memory/lora": (0.031, 19),
    "training-memory/qlora": (0.102, 19),
    "training-memory/freeze": (0.094, 0),
}
"""Median |error| (leave-one-publication-out) and row count on the public ground truth, as
``bench/accuracy.py`` measured it; quoted in each estimate's assumptions as its error band.
A group with 0 rows borrows the nearest measured group's figure and says so."""


def error_band(key: str) -> str:
    """``"median error 9.9% on 11 public rows"`` for a group (or that none were measured)."""
    figure = PUBLIC_MEDIAN_ERROR.get(key)
    if figure is None:
        return "no public measurement of this set-up yet"
    error, n = figure
    if n == 0:
        return f"not measured on public rows; similar set-ups: median error {error:.0%}"
    return f"median error {error:.1%} on {n} public rows (leave-one-publication-out)"


def band_key(runtime: Runtime) -> str:
    """The ``PUBLIC_MEDIAN_ERROR`` key of a runtime's decode model."""
    return "decode/eager" if runtime is Runtime.TRANSFORMERS else f"decode/{runtime.value}"


def model_for(runtime: Runtime) -> DecodeModel:
    """The decode model ``runtime`` uses."""
    return DECODE_MODELS[runtime]


def decode_step_terms(arch: ModelArch, setup: EstimateSetup, gpu: GpuInfo) -> DecodeTerms | None:
    """The inputs of one decode step of ``setup`` on ``gpu`` (weights read, each sequence's
    cache at the mid-point of generation, devices, depth), or None without a bandwidth figure;
    ``estimate`` and ``bench/fitting.py`` both use it."""
    d = dims(arch)
    kv_per_seq = kv_cache_bytes(arch, setup.seq + setup.gen // 2, 1, kv_element_bytes(setup))
    return decode_terms(
        weight_bytes_read=bytes_read_per_token(arch, setup.precision),
        kv_bytes_read_per_seq=kv_per_seq,
        batch=setup.batch,
        layers=d.layers if d else 1,
        gpu=gpu,
        setup=setup,
        arch=arch,
        total_weight_bytes=weights_bytes(arch, setup.precision),
    )
