"""Scores from a model card's ``model-index`` turned into catalog quality signals.

Pure functions: no network, no huggingface_hub. The ``model-index`` is the card's YAML block
of evaluation results (https://github.com/huggingface/hub-docs/blob/main/modelcard.md): a list
of ``{name, results: [{task, dataset: {name, type, config, split, args}, metrics: [{type,
value, name, verified}]}]}``. A result becomes a ``QualitySignal`` only when its metric is one
of catalog/tasks.toml's ``[[metrics]]`` (by id or synonym), or a generic metric (accuracy, f1,
exact match, pass@1) on a dataset that fixes which catalog metric it is (accuracy on
ImageNet-1k is ``imagenet-top1``). Anything else is counted as not imported, never guessed.

Values are scaled to the metric's unit: a percent metric (tasks.toml ``unit = "percent"``) or
a 0-100 score (BLEU, chrF, ROUGE as the catalog records them) given as a fraction on the card
(``value <= 1``, as the ``evaluate`` library returns them: a WER of 0.034) is multiplied by 100,
and the benchmark text says so. A value outside the metric's range after that is skipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.models.catalog import MetricInfo, QualitySignal

MAX_SIGNALS = 64
"""Signals imported from one card at most (an MTEB card lists hundreds of results)."""

_HUNDRED_SCALE = frozenset(
    {"bleu", "spbleu", "chrf", "chrf++", "rouge-l", "rouge-1", "rouge-2", "glue-avg", "mteb-avg",
     "coco-box-ap", "coco-mask-ap", "pq"}
)  # fmt: skip
"""Metrics with unit "score" that the catalog records on a 0-100 scale (sacreBLEU, chrF and
ROUGE as papers print them; COCO AP and PQ in points)."""
_RANGES: dict[str, tuple[float, float]] = {"mos": (1.0, 5.0), "geneval": (0.0, 1.0)}
"""Other bounded scores: MOS is a 1-5 opinion scale, GenEval's overall score a fraction."""

_DATASETS: dict[str, frozenset[str]] = {
    "imagenet-1k": frozenset({"imagenet-1k", "imagenet1k", "imagenet", "ilsvrc2012", "ilsvrc"}),
    "conll2003": frozenset({"conll2003", "conll-2003", "conll03"}),
    "squad2": frozenset({"squad-v2", "squad2", "squad-2.0", "squadv2"}),
    "squad": frozenset({"squad", "squad-v1", "squad-v1.1"}),
    "glue": frozenset({"glue", "nyu-mll-glue"}),
    "sst2": frozenset({"sst2", "sst-2"}),
    "mnli": frozenset({"mnli", "multi-nli", "multinli"}),
    "librispeech": frozenset({"librispeech-asr", "librispeech"}),
    "humaneval": frozenset({"openai-humaneval", "humaneval"}),
    "flores-200": frozenset({"flores-200", "flores200", "flores"}),
    "coco": frozenset({"coco", "coco2017", "coco-2017"}),
    "ade20k": frozenset({"ade20k", "ade-20k", "scene-parse-150"}),
    "cnn-dailymail": frozenset({"cnn-dailymail", "cnn-dm"}),
    "xsum": frozenset({"xsum"}),
}
"""Canonical dataset -> the spellings of a card's dataset ``type`` (owner prefix dropped,
lower case, ``_`` as ``-``) that name it."""

_GENERIC: dict[tuple[str, str], str] = {
    **{("imagenet-1k", m): "imagenet-top1"
       for m in ("accuracy", "acc", "top-1-accuracy", "top1-accuracy", "top-1", "top1", "acc@1")},
    ("conll2003", "f1"): "conll2003-f1", ("conll2003", "overall-f1"): "conll2003-f1",
    ("squad2", "f1"): "squad2-f1", ("squad2", "exact-match"): "squad2-em",
    ("squad2", "exact"): "squad2-em", ("squad2", "em"): "squad2-em",
    ("squad", "f1"): "squad-f1",
    ("sst2", "accuracy"): "sst2-acc", ("sst2", "acc"): "sst2-acc",
    ("mnli", "accuracy"): "mnli-m-acc", ("mnli", "acc"): "mnli-m-acc",
    ("humaneval", "pass@1"): "humaneval",
    ("coco", "map"): "coco-box-ap",
}  # fmt: skip
"""(canonical dataset, card metric type) -> catalog metric id, for generic metric names."""

_BY_NAME = frozenset({"rouge"})
"""Card metric types that name a family; the entry's ``name`` says which member."""

_BOUND = {metric: dataset for (dataset, _), metric in _GENERIC.items()}
"""Catalog metrics that only mean something on one dataset: a card metric that names one of
them directly (``top1``, ``ner-f1``) counts only on that dataset."""


@dataclass
class CardScores:
    """What a card's model-index gave: the signals, and how many results were left out."""

    signals: list[QualitySignal] = field(default_factory=list)
    skipped: int = 0


def _norm(text: Any) -> str:
    return str(text).strip().lower().replace("_", "-").replace(" ", "-")


def _text(value: Any) -> str | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        out = str(value).strip()
        return out or None
    return None


def _dataset_key(dataset: Mapping[str, Any]) -> str | None:
    """The canonical dataset a card's ``dataset`` entry names, or None."""
    kind, config = _text(dataset.get("type")), _text(dataset.get("config"))
    spelled = _norm(kind.rsplit("/", 1)[-1]) if kind else ""
    for key, names in _DATASETS.items():
        if spelled in names:
            if key == "glue":  # GLUE is a collection: the config says which task
                sub = _norm(config or "")
                return "sst2" if sub in _DATASETS["sst2"] else "mnli" if sub == "mnli" else key
            if key == "flores-200" and "101" in _norm(dataset.get("name") or ""):
                return None  # FLORES-101 has other sentences than FLORES-200
            return key
    return None


def _test_set(key: str | None, config: str, split: str) -> str | None:
    """The canonical test-set id (DESIGN data contract) of a dataset, config and split."""
    if key == "librispeech" and split == "test" and config in ("clean", "other"):
        return f"librispeech-test-{config}"
    ids = {
        ("conll2003", "test"): "conll2003-test",
        ("squad2", "validation"): "squad2-dev",
        ("squad", "validation"): "squad-v1.1-dev",
        ("imagenet-1k", "validation"): "imagenet-1k-val",
        ("sst2", "validation"): "sst2-dev",
        ("mnli", "validation-matched"): "mnli-matched-dev",
        ("humaneval", "test"): "humaneval",
        ("flores-200", "devtest"): "flores-200-devtest",
        ("coco", "validation"): "coco-val2017",
        ("coco", "val2017"): "coco-val2017",
        ("ade20k", "validation"): "ade20k-val",
        ("cnn-dailymail", "test"): "cnn-dailymail-test",
        ("xsum", "test"): "xsum-test",
    }
    return ids.get((key or "", "validation" if split in ("val", "dev") else split))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().rstrip("%").strip()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _scaled(info: MetricInfo, value: float) -> tuple[float, bool] | None:
    """``value`` in the metric's unit and whether it was scaled; None when out of range."""
    if info.unit == "percent" or info.id in _HUNDRED_SCALE:
        scaled = 0 < value <= 1
        out = round(value * 100, 4) if scaled else value
        return (out, scaled) if 0 <= out <= 100 else None
    low, high = _RANGES.get(info.id, (-math.inf, math.inf))
    if info.id == "fid":
        low = 0.0
    return (value, False) if low <= value <= high else None


def _metric(
    kind: str, key: str | None, split: str, lookup: Callable[[str], MetricInfo | None]
) -> MetricInfo | None:
    direct = lookup(kind)
    if direct is not None:
        bound = _BOUND.get(direct.id)
        return direct if bound is None or bound == key else None
    mapped = _GENERIC.get((key or "", _norm(kind)))
    if mapped == "mnli-m-acc" and "mismatched" in split:
        return None
    return lookup(mapped) if mapped else None


def _benchmark(dataset: Mapping[str, Any], metric: Mapping[str, Any], notes: list[str]) -> str:
    name = _text(dataset.get("name")) or _text(dataset.get("type")) or "unnamed dataset"
    parts = [name]
    kind = _text(dataset.get("type"))
    if kind and _norm(kind) not in _norm(name):
        parts.append(f"({kind})")
    config, split = _text(dataset.get("config")), _text(dataset.get("split"))
    if config and _norm(config) not in _norm(" ".join(parts)):
        parts.append(f"{config} config")
    if split:
        parts.append(f"{split} split")
    label = _text(metric.get("name")) or _text(metric.get("type")) or "score"
    return f"{' '.join(parts)}, {label} (from the card's model-index; {'; '.join(notes)})"


def card_scores(
    model_index: Any, lookup: Callable[[str], MetricInfo | None], source: str
) -> CardScores:
    """The quality signals a card's ``model-index`` states, each sourced to ``source``.

    ``lookup`` resolves a metric id or synonym to tasks.toml's metric (``Catalog.metric``).
    Malformed entries are counted in ``skipped``, never raised.
    """
    from advisor.models.catalog import QualitySignal

    found = CardScores()
    seen: set[tuple[str, str, str | None]] = set()
    for result in _results(model_index):
        dataset = result.get("dataset")
        metrics = result.get("metrics")
        if not isinstance(dataset, Mapping) or not isinstance(metrics, list):
            found.skipped += 1
            continue
        key = _dataset_key(dataset)
        config = _norm(_text(dataset.get("config")) or "")
        split = _norm(_text(dataset.get("split")) or "")
        for metric in metrics:
            signal = _signal(metric, dataset, key, config, split, lookup, source, QualitySignal)
            if signal is None or len(found.signals) >= MAX_SIGNALS:
                found.skipped += 1
                continue
            # one score per metric and canonical test set (the first: ROUGE-L before
            # ROUGE-Lsum); elsewhere one per benchmark text
            where = signal.test_set or signal.benchmark
            ident = (signal.metric, where, signal.language)
            if ident in seen:
                found.skipped += 1
                continue
            seen.add(ident)
            found.signals.append(signal)
    return found


def _signal(
    metric: Any,
    dataset: Mapping[str, Any],
    key: str | None,
    config: str,
    split: str,
    lookup: Callable[[str], MetricInfo | None],
    source: str,
    make: type[QualitySignal],
) -> QualitySignal | None:
    if not isinstance(metric, Mapping):
        return None
    kind, value = _text(metric.get("type")), _number(metric.get("value"))
    if kind is None or value is None:
        return None
    info = _metric(kind, key, split, lookup)
    label = _text(metric.get("name"))
    if info is None and _norm(kind) in _BY_NAME and label is not None:
        info = _metric(label, key, split, lookup)  # `type: rouge`, `name: ROUGE-L`
    if info is None:
        return None
    scaled = _scaled(info, value)
    if scaled is None:
        return None
    number, was_scaled = scaled
    notes = ["verified by the Hub" if metric.get("verified") is True else "self-reported"]
    if was_scaled:
        notes.append(f"x100: the card gives {value:g}")
    test_set = _test_set(key, config, split)
    args = dataset.get("args")
    language = args.get("language") if isinstance(args, Mapping) else None
    if test_set is not None or not (
        isinstance(language, str) and re.fullmatch(r"[a-z]{2,3}", language)
    ):
        language = None  # a canonical test set implies its language
    return make(
        metric=info.id,
        value=number,
        benchmark=_benchmark(dataset, metric, notes),
        source=source,
        test_set=test_set,
        language=language,
    )


def _results(model_index: Any) -> Iterable[Mapping[str, Any]]:
    """Every ``results`` entry of a model-index (any other shape yields nothing)."""
    if not isinstance(model_index, list):
        return
    for entry in model_index:
        results = entry.get("results") if isinstance(entry, Mapping) else None
        for result in results if isinstance(results, list) else ():
            if isinstance(result, Mapping):
                yield result
