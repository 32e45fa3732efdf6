"""Fit the per-runtime decode constants on public ground-truth rows, and refit them for
leave-one-publication-out (LOPO).

What is fitted, per runtime group (``advisor.estimate.decode``):

- eager PyTorch (Transformers generate, litgpt): bandwidth efficiency, per-layer and per-step
  cost on the 16-bit and GPTQ rows, then the bitsandbytes 4-bit per-layer term on the bnb rows;
- llama.cpp: efficiency and per-layer cost on the discrete-GPU rows, then the unified-memory
  efficiency on the Apple rows;
- TensorRT-LLM / FasterTransformer: efficiency on the 1-GPU row, the all-reduce latency on the
  tensor-parallel rows.

Each fit minimises the squared relative error of the step time: the efficiency on a grid
(0.50-1.00 by 0.005), the time terms by least squares (kept >= 0). A runtime without rows keeps
its documented default (``DEFAULT_MODELS``). ``python bench/fitting.py`` prints the fit on all
public rows, which is what ``DECODE_MODELS`` holds.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.estimate.decode import (
    DECODE_MODELS,
    DEFAULT_MODELS,
    DecodeModel,
    DecodeTerms,
    step_seconds,
)
from advisor.models.estimate import Runtime

GRID = [0.5 + 0.005 * i for i in range(101)]
MIN_ROWS_PER_CONSTANT = 2
"""A runtime's time terms are fitted only with at least this many rows per fitted constant;
with fewer, they keep their documented defaults and only the efficiency is fitted."""


@dataclass(frozen=True)
class DecodeRow:
    """One public decode row reduced to what the fit needs."""

    id: str
    group: str
    runtime: Runtime
    terms: DecodeTerms
    step_s: float  # measured seconds per step (batch / tokens per s)


def _lsq(
    rows: list[DecodeRow],
    base: Callable[[DecodeRow], float],
    features: list[Callable[[DecodeRow], float]],
) -> tuple[list[float], float]:
    """Non-negative least squares on relative error over a few features (active-set search)."""
    best: tuple[list[float], float] = ([0.0] * len(features), float("inf"))
    for mask in itertools.product((0, 1), repeat=len(features)):
        idx = [i for i, on in enumerate(mask) if on]
        coef = [0.0] * len(features)
        if idx:
            # normal equations on r_i = (base + sum c_j f_j) / t - 1
            a = [
                [sum(features[i](r) * features[j](r) / r.step_s**2 for r in rows) for j in idx]
                for i in idx
            ]
            b = [
                sum(features[i](r) * (r.step_s - base(r)) / r.step_s**2 for r in rows) for i in idx
            ]
            sol = _solve(a, b)
            if sol is None or any(x < 0 for x in sol):
                continue
            for i, x in zip(idx, sol, strict=True):
                coef[i] = x
        err = sum(
            ((base(r) + sum(c * f(r) for c, f in zip(coef, features, strict=True))) / r.step_s - 1)
            ** 2
            for r in rows
        )
        if err < best[1]:
            best = (coef, err)
    return best


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-30:
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def _stream(eff: float) -> Callable[[DecodeRow], float]:
    return lambda r: r.terms.bytes_read / (eff * r.terms.bandwidth * r.terms.tp)


def _fit_eff(
    rows: list[DecodeRow],
    features: list[Callable[[DecodeRow], float]],
    extra: Callable[[DecodeRow], float] = lambda r: 0.0,
) -> tuple[float, list[float]]:
    best = (GRID[0], [0.0] * len(features), float("inf"))
    for eff in GRID:
        s = _stream(eff)
        coef, err = _lsq(rows, lambda r, s=s: s(r) + extra(r), features)  # type: ignore[misc]
        if err < best[2] - 1e-12:
            best = (eff, coef, err)
    return best[0], best[1]


def _best_efficiency(rows: list[DecodeRow], layer_s: float) -> float:
    """The grid efficiency that best fits ``rows`` with the launch cost fixed at ``layer_s``
    (one device each: the rows these fits use are single-GPU)."""

    def err(e: float) -> float:
        return sum(
            ((r.terms.bytes_read / (e * r.terms.bandwidth) + r.terms.layers * layer_s) / r.step_s
             - 1) ** 2
            for r in rows
        )  # fmt: skip

    return min(GRID, key=err)


def _eager(rows: list[DecodeRow], d: DecodeModel) -> DecodeModel:
    plain = [r for r in rows if not r.terms.bnb4 and not r.terms.unified]
    if not plain:
        return d
    m = d
    if len(plain) >= MIN_ROWS_PER_CONSTANT * 3:
        eff, (layer, step) = _fit_eff(plain, [lambda r: r.terms.layers, lambda r: 1.0])
        m = replace(d, efficiency=eff, layer_s=layer, step_s=step)
    else:  # too few rows for three constants: only the efficiency, costs stay documented
        eff, _ = _fit_eff(plain, [], extra=lambda r: r.terms.layers * d.layer_s + d.step_s)
        m = replace(d, efficiency=eff)
    bnb = [r for r in rows if r.terms.bnb4]
    if bnb:
        base = replace(m, bnb4_layer_s=0.0)
        (extra,), _ = _lsq(bnb, lambda r: step_seconds(r.terms, base), [lambda r: r.terms.layers])
        m = replace(m, bnb4_layer_s=extra)
    return m


def _llama_cpp(rows: list[DecodeRow], d: DecodeModel) -> DecodeModel:
    m = d
    discrete = [r for r in rows if not r.terms.unified]
    if discrete:
        eff, (layer,) = _fit_eff(discrete, [lambda r: r.terms.layers])
        m = replace(m, efficiency=eff, layer_s=layer)
    unified = [r for r in rows if r.terms.unified]
    if unified:
        best = _best_efficiency(unified, m.layer_s)
        m = replace(m, unified_efficiency=best)
    return m


def _tensor_rt(rows: list[DecodeRow], d: DecodeModel) -> DecodeModel:
    m = d
    single = [r for r in rows if r.terms.tp == 1]
    if single:
        eff = _best_efficiency(single, d.layer_s)
        m = replace(m, efficiency=eff)
    multi = [r for r in rows if r.terms.tp > 1]
    if multi:
        base = replace(m, allreduce_s=0.0)
        (lat,), _ = _lsq(
            multi, lambda r: step_seconds(r.terms, base), [lambda r: 2.0 * r.terms.layers]
        )
        m = replace(m, allreduce_s=lat)
    return m


FITTERS: dict[Runtime, Callable[[list[DecodeRow], DecodeModel], DecodeModel]] = {
    Runtime.TRANSFORMERS: _eager,
    Runtime.LLAMA_CPP: _llama_cpp,
    Runtime.TENSORRT_LLM: _tensor_rt,
}


def fit(rows: Iterable[DecodeRow]) -> dict[Runtime, DecodeModel]:
    """Decode models fitted on ``rows``; runtimes without rows keep their documented default
    (runtimes no fitter covers keep the shipped table's entry)."""
    rows = list(rows)
    out: dict[Runtime, DecodeModel] = dict(DECODE_MODELS)
    for runtime, fitter in FITTERS.items():
        mine = [r for r in rows if r.runtime is runtime]
        shipped = DECODE_MODELS[runtime]
        default = replace(
            DEFAULT_MODELS[runtime], name=shipped.name, source="documented default", fitted_on=()
        )
        if not mine:
            out[runtime] = default
            continue
        fitted = fitter(mine, default)
        out[runtime] = replace(fitted, fitted_on=tuple(sorted({r.group for r in mine})))
    return out


def describe(models: dict[Runtime, DecodeModel]) -> list[str]:
    """One line per fitted runtime: its constants and the publications they came from."""
    lines = []
    for runtime in FITTERS:
        m = models[runtime]
        lines.append(
            f"{runtime.value:13} eff {m.efficiency:.3f} unified {m.unified_efficiency:.3f}"
            f" layer {m.layer_s * 1e3:.4f} ms step {m.step_s * 1e3:.3f} ms"
            f" all-reduce {m.allreduce_s * 1e6:.1f} us bnb4/layer {m.bnb4_layer_s * 1e3:.4f} ms"
            f"  fitted on: {', '.join(m.fitted_on) or '(none: documented default)'}"
        )
    return lines


def main() -> int:
    """Print the fit on all public decode rows."""
    from bench.accuracy import decode_rows, default_root

    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default_root()
    print("\n".join(describe(fit(decode_rows(root)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
