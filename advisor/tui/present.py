"""Turning a ``Report`` into what the widgets display: table rows, summary line, excluded list.

Only formatting: every number shown is a field of the report. Unknown values (``None``) show
as ``?``; parts that do not apply (no fine-tuning when the strategy trains nothing) as ``—``.
"""

from __future__ import annotations

from rich.text import Text

from advisor.models.report import Recommendation, Report
from advisor.tui.widgets.results_table import Row
from advisor.units import format_bytes, format_count

UNKNOWN = "?"
NOT_APPLICABLE = "—"


def _memory(value: int, fits: bool) -> Text:
    return Text(format_bytes(value) + ("" if fits else " ✗"), style="" if fits else "bold")


def _speed(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:,.0f}"


def quality_text(rec: Recommendation) -> str:
    """The published score the ranking used (``?`` when the model has none)."""
    quality = rec.quality
    if quality.value is None:
        return UNKNOWN
    return f"{quality.value:g} {quality.metric or ''}".strip()


def recommendation_row(rec: Recommendation) -> Row:
    """One table row for ``rec``, with raw values to sort by."""
    serve, tune = rec.inference, rec.fine_tuning
    cells: list[str | Text] = [
        str(rec.rank),
        rec.model.name,
        UNKNOWN if rec.model.params is None else format_count(rec.model.params),
    ]
    sort: list[float | str | None] = [rec.rank, rec.model.name, rec.model.params]
    if serve is None:
        cells += [NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
        sort += [None, None, None]
    else:
        cells += [serve.precision.value, _memory(serve.memory_bytes, serve.fits)]
        cells.append(_speed(serve.decode_tokens_per_s))
        sort += [serve.precision.value, serve.memory_bytes, serve.decode_tokens_per_s]
    if tune is None:
        cells += [NOT_APPLICABLE, NOT_APPLICABLE]
        sort += [None, None]
    else:
        cells += [tune.method.value, _memory(tune.memory_bytes, tune.fits)]
        sort += [tune.method.value, tune.memory_bytes]
    cells += [quality_text(rec), rec.model.license]
    sort += [rec.quality.score, rec.model.license]
    return Row(key=rec.model.id, cells=tuple(cells), sort=tuple(sort))


def report_rows(report: Report) -> list[Row]:
    """Rows for the ranked table, in rank order."""
    return [recommendation_row(rec) for rec in report.recommendations]


def excluded_rows(report: Report) -> list[tuple[str, str]]:
    """(model, reason) for every model left out."""
    return [(item.model, item.reason) for item in report.excluded]


def report_summary(report: Report) -> Text:
    """The line above the table: the headline strategy and its deciding fact (the same
    sentence as the CLI and the JSON ``headline.reason``), counts, warnings."""
    strategy = report.strategy
    ranked, left_out = max(report.ranked, len(report.recommendations)), len(report.excluded)
    text = Text()
    text.append(f"Strategy: {strategy.approach.value}", style="bold")
    text.append(f" · {ranked} ranked, {left_out} excluded (F5: why)")
    for warning in report.warnings:
        text.append(f"\n⚠ {warning}", style="bold")
    text.append(f"\n{report.headline.reason}", style="italic")
    return text


def find_recommendation(report: Report, model_id: str) -> Recommendation | None:
    """The recommendation for ``model_id`` in ``report``, if it is ranked."""
    return next((rec for rec in report.recommendations if rec.model.id == model_id), None)
