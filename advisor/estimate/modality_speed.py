"""Serving speed in the unit of the task: tokens/s for text, real-time factor for speech,
images/s for vision, sequences/s for encoders; "not estimated" where no formula holds.

Pure functions, no I/O. Formulas and their sources:

- Text generation: decode tokens/s from memory bandwidth (``advisor.estimate.throughput``).
- Compute-bound forward passes (vision, encoders, speech encoders): FLOPs ≈ 2·N per position
  (a forward pass costs about 2 FLOPs per parameter per token: Kaplan et al. 2020,
  arXiv 2001.08361 §2.1), at ``MFU_PREFILL`` of the GPU's dense 16-bit tensor rate (the
  prefill utilisation in ``advisor.estimate.constants``). For convolutional networks the
  "positions" are the same stated counts; DETR-R50 (41 M params, 1,050 positions) gives 86
  GFLOPs, the figure its paper reports (arXiv 2005.12872 Table 1).
- Speech recognition, reported as a real-time factor ``×`` (seconds of audio per second):
  Whisper-style encoder-decoders encode 30 s windows of 1,500 frames (arXiv 2212.04356 §2.2)
  with about half the parameters (encoder and decoder have the same depth and width, ibid.
  Table 1), then decode the window's text token by token, bandwidth-bound. CTC encoders
  (wav2vec 2.0) run the encoder only, at 50 frames per second (20 ms stride, arXiv
  2006.11477 §2). Text per window: speech at ~150 words per minute (a typical conversational
  rate; Yuan et al. 2006, "Towards an integrated understanding of speaking rate in
  conversation", Interspeech) × 1.3 tokens per word ≈ 98 tokens per 30 s.
- Text-to-speech and image generation: "not estimated". Their cost depends on codec frame
  rates, sampling steps and U-Net layouts no catalog fact gives (a U-Net does not cost
  2·N per latent position: it downsamples).
- On a CPU no compute-bound figure is given: the catalog knows no CPU FLOP/s.
"""

from __future__ import annotations

from typing import NamedTuple

from advisor.estimate.constants import DECODE_BANDWIDTH_EFFICIENCY, MFU_PREFILL
from advisor.models.task import Task

WHISPER_WINDOW_S = 30.0
WHISPER_FRAMES = 1500
CTC_FRAMES_PER_S = 50.0
TOKENS_PER_WINDOW = 150 / 60 * WHISPER_WINDOW_S * 1.3
"""~98 text tokens per 30 s window (see the module docstring)."""

VISION_TASKS = frozenset(
    {Task.IMAGE_CLASSIFICATION, Task.OBJECT_DETECTION, Task.IMAGE_SEGMENTATION}
)
ENCODER_TASKS = frozenset(
    {
        Task.EMBEDDINGS,
        Task.TEXT_CLASSIFICATION,
        Task.TOKEN_CLASSIFICATION,
        Task.QUESTION_ANSWERING,
    }
)


class Speed(NamedTuple):
    """A serving speed: value (None when not estimated), unit, and how it was worked out."""

    value: float | None
    unit: str
    basis: str


def _flops_rate(tensor_tflops: float | None) -> float | None:
    return tensor_tflops * 1e12 * MFU_PREFILL if tensor_tflops else None


def forward_items_per_s(params: int, positions: int, tensor_tflops: float | None) -> float | None:
    """Forward passes per second at 2·N FLOPs per position (None without a FLOP rate)."""
    rate = _flops_rate(tensor_tflops)
    if rate is None or params <= 0 or positions <= 0:
        return None
    return rate / (2.0 * params * positions)


def asr_real_time_factor(
    params: int,
    *,
    encoder_decoder: bool,
    tensor_tflops: float | None,
    bandwidth_bytes_per_s: float | None,
    bytes_per_param: float,
) -> float | None:
    """Seconds of audio transcribed per second of compute (see the module docstring)."""
    rate = _flops_rate(tensor_tflops)
    if rate is None or params <= 0:
        return None
    if not encoder_decoder:
        seconds = 2.0 * params * CTC_FRAMES_PER_S / rate  # per second of audio
        return 1.0 / seconds
    if not bandwidth_bytes_per_s:
        return None
    encode = 2.0 * (params / 2) * WHISPER_FRAMES / rate
    step = (params / 2) * bytes_per_param / (bandwidth_bytes_per_s * DECODE_BANDWIDTH_EFFICIENCY)
    return WHISPER_WINDOW_S / (encode + TOKENS_PER_WINDOW * step)


def task_speed(
    task: Task,
    *,
    params: int,
    positions: int,
    encoder_decoder: bool,
    tokens_per_s: float | None,
    tensor_tflops: float | None,
    bandwidth_bytes_per_s: float | None,
    bytes_per_param: float,
    on_cpu: bool,
) -> Speed:
    """The speed of serving ``task`` in its own unit. ``tokens_per_s`` is the decode speed of
    text-generating models (None otherwise); the rest describe the model and the device."""
    if task is Task.SPEECH_RECOGNITION:
        unit = "x real-time"
        if on_cpu:
            return Speed(None, unit, "not estimated on a CPU (no CPU FLOP/s known)")
        rtf = asr_real_time_factor(
            params,
            encoder_decoder=encoder_decoder,
            tensor_tflops=tensor_tflops,
            bandwidth_bytes_per_s=bandwidth_bytes_per_s,
            bytes_per_param=bytes_per_param,
        )
        how = (
            "30 s windows: encoder at 2·N/2 FLOPs per frame, ~98 tokens decoded per window"
            " (an upper bound: greedy decoding, no beam search)"
            if encoder_decoder
            else "CTC encoder at 2·N FLOPs per frame, 50 frames/s (an upper bound)"
        )
        return Speed(rtf, unit, how if rtf is not None else "not estimated (GPU rate unknown)")
    if task is Task.TEXT_TO_SPEECH:
        return Speed(None, "x real-time", "not estimated: depends on the codec frame rate")
    if task is Task.IMAGE_GENERATION:
        return Speed(None, "s/image", "not estimated: depends on sampling steps and the U-Net/DiT")
    if tokens_per_s is not None:
        return Speed(tokens_per_s, "tokens/s", "batch 1 decode, memory-bandwidth bound")
    unit = "images/s" if task in VISION_TASKS else "sequences/s"
    if task not in VISION_TASKS and task not in ENCODER_TASKS:
        return Speed(None, unit, "not estimated")
    if on_cpu:
        return Speed(None, unit, "not estimated on a CPU (no CPU FLOP/s known)")
    items = forward_items_per_s(params, positions, tensor_tflops)
    basis = (
        f"2·N FLOPs per position, {positions:,} positions, at {MFU_PREFILL:.0%} of the"
        " tensor rate (an upper bound at batch 1)"
    )
    return Speed(items, unit, basis if items is not None else "not estimated (GPU rate unknown)")


__all__ = ["Speed", "asr_real_time_factor", "forward_items_per_s", "task_speed"]
