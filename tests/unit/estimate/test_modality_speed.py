"""Speed in the unit of the task: properties of the formulas in
advisor.estimate.modality_speed (bigger models are slower, faster GPUs faster, unknown stays
unknown)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from advisor.estimate.constants import MFU_PREFILL
from advisor.estimate.modality_speed import (
    Speed,
    asr_real_time_factor,
    forward_items_per_s,
    task_speed,
)
from advisor.models.task import Task

params = st.integers(min_value=10**6, max_value=10**11)
tflops = st.floats(min_value=1.0, max_value=2000.0)
bandwidth = st.floats(min_value=1e10, max_value=1e13)


@given(params, params, tflops, st.integers(min_value=1, max_value=8192))
def test_bigger_models_process_fewer_items(a: int, b: int, rate: float, positions: int) -> None:
    small, big = sorted((a, b))
    fast = forward_items_per_s(small, positions, rate)
    slow = forward_items_per_s(big, positions, rate)
    assert fast is not None and slow is not None and fast >= slow > 0


@given(params, tflops, tflops, bandwidth, st.booleans())
def test_a_faster_gpu_transcribes_faster(n: int, r1: float, r2: float, bw: float, ed: bool) -> None:
    lo, hi = sorted((r1, r2))
    slow = asr_real_time_factor(
        n, encoder_decoder=ed, tensor_tflops=lo, bandwidth_bytes_per_s=bw, bytes_per_param=2
    )
    fast = asr_real_time_factor(
        n, encoder_decoder=ed, tensor_tflops=hi, bandwidth_bytes_per_s=bw, bytes_per_param=2
    )
    assert slow is not None and fast is not None and fast >= slow > 0


def _speed(task: Task, n: int, *, on_cpu: bool) -> Speed:
    return task_speed(
        task,
        params=n,
        positions=197,
        encoder_decoder=False,
        tokens_per_s=None,
        tensor_tflops=100.0,
        bandwidth_bytes_per_s=1e12,
        bytes_per_param=2.0,
        on_cpu=on_cpu,
    )


@given(params)
def test_unknown_rates_and_cpus_are_not_estimated(n: int) -> None:
    assert forward_items_per_s(n, 197, None) is None
    cases = [(t, True) for t in (Task.SPEECH_RECOGNITION, Task.IMAGE_CLASSIFICATION)]
    cases += [(t, False) for t in (Task.TEXT_TO_SPEECH, Task.IMAGE_GENERATION)]
    for task, on_cpu in cases:
        speed = _speed(task, n, on_cpu=on_cpu)
        assert speed.value is None and "not estimated" in speed.basis


def test_detr_r50_costs_what_its_paper_reports() -> None:
    """41 M parameters x 1,050 positions x 2 = 86 GFLOPs (DETR paper, Table 1: 86 GFLOPs)."""
    per_s = forward_items_per_s(41_000_000, 1050, 100.0)
    assert per_s is not None
    flops = 100e12 * MFU_PREFILL / per_s
    assert abs(flops - 86e9) / 86e9 < 0.01
