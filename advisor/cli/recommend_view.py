"""Human rendering of a recommend ``Report`` with rich: ranked table, strategy, settings, why-not.

Only ``advisor recommend`` without ``--json`` imports this module (rich is slow to import).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from advisor.cli.output import stdout_console
from advisor.models.report import Recommendation, Report
from advisor.pricing import PRICE_PREFIX
from advisor.units import format_bytes, format_count, format_hours

WHY_NOT_SHOWN = 12
"""Excluded models listed by name; the rest are counted (all are in --json)."""


def _speed(rec: Recommendation) -> str:
    inf = rec.inference
    if inf is None or inf.decode_tokens_per_s is None:
        return "-"
    return f"{inf.decode_tokens_per_s:,.0f}"


def _serving(rec: Recommendation) -> str:
    inf = rec.inference
    if inf is None:
        return "does not fit"
    where = "CPU" if inf.gpus == 0 else f"{inf.gpus}× GPU"
    if inf.cpu_offload_bytes:
        where += "+RAM"
    return f"{inf.precision.value} {where} {format_bytes(inf.memory_bytes)}"


def _training(rec: Recommendation) -> str:
    ft = rec.fine_tuning
    if ft is None:
        return "-"
    hours = f", {format_hours(ft.hours_per_epoch)}/epoch" if ft.hours_per_epoch is not None else ""
    cost = f", ${ft.cost_usd_per_epoch:,.2f}/ep" if ft.cost_usd_per_epoch is not None else ""
    return f"{ft.method.value} {ft.engine} {format_bytes(ft.memory_bytes)}{hours}{cost}"


def _plan(rec: Recommendation) -> str:
    """The row's own approach; ``≠`` marks a plan other than the headline's, ``!`` one that
    does not do what --goal asks."""
    mark = "" if rec.same_as_headline else "≠ "
    return f"{mark}{rec.strategy.approach.value}" + ("" if rec.serves_goal else " !")


def ranked_table(report: Report) -> Table:
    """One row per recommended model, each with its own plan."""
    table = Table(title=f"Recommended for {report.request.task.value}", show_lines=False)
    for name in ("#", "model", "params", "licence", "score", "plan", "serve", "tok/s"):
        table.add_column(name, overflow="fold")
    table.add_column("fine-tune", overflow="fold")
    for rec in report.recommendations:
        table.add_row(
            str(rec.rank),
            rec.model.id + ("" if rec.model.reviewed else " (unreviewed)"),
            format_count(rec.model.params),
            rec.model.license,
            f"{rec.score.total:.2f}",
            _plan(rec),
            _serving(rec),
            _speed(rec),
            _training(rec),
        )
    return table


def _settings(console: Console, rec: Recommendation) -> None:
    s = rec.settings
    if s is None:
        return
    console.print(f"[bold]Settings for {rec.model.id}[/bold]")
    lora = f", LoRA r={s.lora.rank} α={s.lora.alpha} dropout {s.lora.dropout:g}" if s.lora else ""
    console.print(
        f"  {s.epochs} epoch(s), lr {s.learning_rate:.1e} ({s.lr_scheduler}, warm-up"
        f" {s.warmup_ratio:.0%}), batch {s.per_device_batch} × {s.gpus} GPU(s) ×"
        f" {s.gradient_accumulation} = {s.effective_batch}, weight decay {s.weight_decay:g},"
        f" dropout {s.dropout:g}{lora}"
    )
    patience = s.early_stopping_patience
    console.print(
        f"  validation {s.validation_fraction:.0%}, early stopping"
        f" {'after ' + str(patience) + ' evaluations' if patience else 'off'},"
        f" label smoothing {s.label_smoothing:g}"
    )


def render(report: Report, console: Console | None = None) -> None:
    """Print the report for people."""
    out = console or stdout_console()
    hw = report.hardware
    gpus = ", ".join(f"{g.count}× {g.name}" for g in hw.gpus) or "no GPU"
    out.print(f"[bold]Hardware[/bold]: {gpus}; RAM {format_bytes(hw.ram_bytes)}")
    d = report.data
    out.print(
        f"[bold]Data[/bold]: {d.value:,} {d.unit}" + (f" ({d.conversion})" if d.conversion else "")
    )
    out.print(
        f"[bold]Strategy[/bold]: {report.strategy.approach.value}"
        + (
            f" ({report.strategy.method.value} fine-tuning)"
            if report.strategy.method
            and report.strategy.method.value != report.strategy.approach.value
            else ""
        )
        + (f", the plan of {report.headline.model}" if report.headline.model else "")
    )
    out.print(f"  {report.headline.reason}", highlight=False)
    for reason in report.strategy.reasons:
        out.print(f"  - {reason}")
    if report.recommendations:
        out.print(ranked_table(report))
        if any(not r.same_as_headline for r in report.recommendations):
            out.print("  ≠ : this model's own plan differs from the headline strategy")
        if any(not r.serves_goal for r in report.recommendations):
            unsized = any(not r.fine_tuning_estimated for r in report.recommendations)
            out.print(
                f"  ! : this plan does not do what --goal {report.request.goal.value} asks"
                + (", or its fine-tuning memory is not estimated yet" if unsized else "")
            )
        if report.ranked > len(report.recommendations):
            out.print(
                f"  {report.ranked - len(report.recommendations)} more model(s) fit and are"
                " ranked below (--top shows more)"
            )
        top = report.recommendations[0]
        for reason in top.reasons:
            out.print(f"  - {reason}")
        if top.inference is not None:
            out.print(f"  serve: {top.inference.command}", soft_wrap=True)
        _settings(out, top)
    else:
        out.print("[bold]Nothing fits[/bold] this request on this hardware; reasons below.")
    shown = report.excluded
    if shown:
        out.print("[bold]Why not[/bold]")
        for e in shown[:WHY_NOT_SHOWN]:
            out.print(f"  {e.model}: {e.reason}")
        if len(shown) > WHY_NOT_SHOWN:
            out.print(f"  ... and {len(shown) - WHY_NOT_SHOWN} more (see --json)")
    for w in report.warnings:
        out.print(f"[yellow]warning[/yellow]: {w}")
    for line in (a for a in report.assumptions if a.startswith(PRICE_PREFIX)):
        out.print(f"Costs at {line.removeprefix(PRICE_PREFIX)}.")
    out.print(
        f"Fits keep {report.headroom.gpu_fraction:.0%} of GPU memory and"
        f" {report.headroom.ram_fraction:.0%} of RAM free."
    )
