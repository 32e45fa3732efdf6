"""The detail view of one ranked model: memory against capacity, plan, settings, export.

Shows the recommendation it is given: serving and fine-tuning memory drawn as bars against the
device's memory, the strategy and every training setting with its reason, time and cost per
epoch, the command that starts serving, and an export folder. Export posts ``ExportRequested``;
the app writes the files in a worker and names them in a notification.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static

from advisor.models.hardware import HardwareProfile
from advisor.models.policy import TrainingSettings
from advisor.models.report import FineTuning, Inference, Recommendation, Report
from advisor.tui.messages import ExportRequested
from advisor.tui.present import NOT_APPLICABLE, UNKNOWN, quality_text
from advisor.tui.widgets.memory_bar import MemoryBar
from advisor.units import format_bytes, format_count, format_hours


def _headline(rec: Recommendation) -> Text:
    model = rec.model
    text = Text(f"#{rec.rank}  {model.name}", style="bold")
    text.append(f"  {model.hf_repo}\n", style="italic")
    params = UNKNOWN if model.params is None else format_count(model.params)
    if model.active_params:
        params += f" ({format_count(model.active_params)} active)"
    commercial = {True: "commercial use allowed", False: "no commercial use", None: "terms unknown"}
    text.append(
        f"{params} parameters · licence {model.license} ({commercial[model.commercial_use]})"
    )
    text.append(f" · quality {quality_text(rec)}")
    if rec.quality.benchmark:
        text.append(f" on {rec.quality.benchmark}")
    return text


def _bullets(lines: list[str]) -> Text:
    return Text("\n").join(Text(f"• {line}") for line in lines) if lines else Text(NOT_APPLICABLE)


def _serving(serve: Inference) -> Text:
    speed = UNKNOWN if serve.decode_tokens_per_s is None else f"{serve.decode_tokens_per_s:,.0f}"
    devices = "CPU" if serve.gpus == 0 else f"{serve.gpus}× {serve.device}"
    text = Text(
        f"{serve.precision.value} on {serve.runtime.value}, {devices}"
        f" (tensor parallel {serve.tensor_parallel}), {speed} tokens/s at batch 1,"
        f" {serve.context_tokens:,} tokens of context; keeps {serve.headroom_fraction:.0%} free"
    )
    if serve.cpu_offload_bytes:
        text.append(f"; {format_bytes(serve.cpu_offload_bytes)} offloaded to system RAM")
    return text


def _tuning(tune: FineTuning, epochs: int | None) -> Text:
    stage = f" ZeRO-{tune.zero_stage}" if tune.zero_stage is not None else ""
    text = Text(
        f"{tune.method.value} at {tune.precision.value}, {tune.devices} device(s), engine"
        f" {tune.engine}{stage}; batch {tune.batch_size} × accumulation"
        f" {tune.gradient_accumulation} = {tune.effective_batch} per step, sequences of"
        f" {tune.seq_length} tokens"
        + (", gradient checkpointing" if tune.gradient_checkpointing else "")
    )
    if tune.cpu_offload_bytes:
        text.append(f"; {format_bytes(tune.cpu_offload_bytes)} offloaded to system RAM")
    hours = format_hours(tune.hours_per_epoch, UNKNOWN)
    cost = UNKNOWN if tune.cost_usd_per_epoch is None else f"${tune.cost_usd_per_epoch:,.2f}"
    speed = UNKNOWN if tune.train_tokens_per_s is None else f"{tune.train_tokens_per_s:,.0f}"
    planned = f" (plan: {epochs} epoch{'' if epochs == 1 else 's'})" if epochs else ""
    text.append(f"\nTime {hours} per epoch, cost {cost} per epoch{planned}; {speed} tokens/s")
    for tried in tune.methods_tried:
        mark = "✓" if tried.fits else "✗"
        text.append(f"\n  {mark} {tried.method.value}: {format_bytes(tried.memory_bytes)} —")
        text.append(f" {tried.detail}")
    return text


def _settings_table(settings: TrainingSettings) -> Table:
    table = Table(show_edge=False, expand=True, pad_edge=False)
    table.add_column("Setting", no_wrap=True, style="bold")
    table.add_column("Value", max_width=30)
    table.add_column("Why", ratio=1)
    values: dict[str, object] = {
        "epochs": settings.epochs,
        "learning_rate": f"{settings.learning_rate:g}",
        "lr_scheduler": settings.lr_scheduler,
        "warmup_ratio": settings.warmup_ratio,
        "per_device_batch": settings.per_device_batch,
        "gradient_accumulation": settings.gradient_accumulation,
        "effective_batch": settings.effective_batch,
        "optimizer": settings.optimizer.value,
        "weight_decay": settings.weight_decay,
        "dropout": settings.dropout,
        "validation_fraction": settings.validation_fraction,
        "label_smoothing": settings.label_smoothing,
        "max_grad_norm": settings.max_grad_norm,
    }
    if settings.lora is not None:
        lora = settings.lora
        values["lora"] = f"r={lora.rank} α={lora.alpha} dropout={lora.dropout:g} {lora.targets}"
    if settings.early_stopping is not None:
        stop = settings.early_stopping
        values["early_stopping"] = f"{stop.metric} ({stop.mode}), patience {stop.patience}"
    if settings.augmentation:
        values["augmentation"] = ", ".join(settings.augmentation)
    for name, value in values.items():
        table.add_row(name, str(value), settings.reasons.get(name, ""))
    return table


class DetailScreen(Screen[None]):
    """Everything about one ranked model, and its export."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("e", "export", "Export", id="detail.export"),
        Binding(
            "ctrl+o", "export(True)", "Export, overwrite", id="detail.export-overwrite", show=False
        ),
    ]

    def __init__(
        self, rec: Recommendation, report: Report, hardware: HardwareProfile, folder: Path
    ) -> None:
        super().__init__()
        self.rec = rec
        self.report = report
        self.hardware = hardware
        self.folder = folder

    def compose(self) -> ComposeResult:
        rec, report = self.rec, self.report
        serve, tune, settings = rec.inference, rec.fine_tuning, rec.settings
        yield Header(icon="◆")
        with VerticalScroll(id="detail"):
            yield Static(_headline(rec), id="detail-title")
            with Horizontal(id="export-row"):
                yield Label("Export to")
                yield Input(str(self.folder), id="export-folder", compact=True)
                yield Button("Export (e)", id="export-button", variant="primary", compact=True)
            yield Static("Why this model", classes="section")
            yield Static(_bullets(rec.reasons), id="detail-reasons")
            yield Static("Memory per device", classes="section")
            if serve is not None:
                yield MemoryBar(
                    "Serving",
                    serve.breakdown,
                    serve.memory_bytes,
                    serve.device_memory_bytes,
                    id="bar-serving",
                )
                yield Static(_serving(serve), id="detail-serving")
            if tune is not None:
                yield MemoryBar(
                    "Fine-tuning",
                    tune.breakdown,
                    tune.memory_bytes,
                    tune.device_memory_bytes,
                    id="bar-tuning",
                )
                yield Static(
                    _tuning(tune, settings.epochs if settings else None), id="detail-tuning"
                )
            # This model's own plan (its settings and fine-tuning above are that plan's).
            plan = rec.strategy
            own = "" if rec.same_as_headline else f" (headline: {report.strategy.approach.value})"
            yield Static(f"Strategy: {plan.approach.value}{own}", classes="section")
            yield Static(_bullets(plan.reasons), id="detail-strategy")
            if settings is not None:
                yield Static("Training settings", classes="section")
                yield Static(_settings_table(settings), id="detail-settings")
            yield Static("Start", classes="section")
            command = serve.command if serve is not None else NOT_APPLICABLE
            yield Static(Text(f"Serve:  {command}"), id="detail-command")
            yield Static(
                "Export (e) writes report.json, the training script and configs, serve.sh and"
                " a README that says how to run them.",
                id="detail-export-note",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail").focus()

    def action_back(self) -> None:
        """Return to the main screen."""
        self.dismiss(None)

    def action_export(self, overwrite: bool = False) -> None:
        """Write the report and configs to the folder in the export field."""
        text = self.query_one("#export-folder", Input).value.strip()
        folder = Path(text).expanduser() if text else self.folder
        self.post_message(ExportRequested(self.report, self.rec.model.id, folder, overwrite))

    @on(Button.Pressed, "#export-button")
    @on(Input.Submitted, "#export-folder")
    def _export_clicked(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        self.action_export()
