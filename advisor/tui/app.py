"""The advisor app: one factory (``create_app``) for the CLI and the tests.

The app owns the state (request, hardware, current report). Slow work runs in thread workers
that call library functions (``advisor.recommend``, ``advisor.hardware.detect``,
``advisor.export``) and post typed messages back; widgets only display and post what the user
did. Nothing here estimates or ranks.

Start-up stays under a second because the catalog, the recommender and hardware detection are
imported and run in workers after the first paint, never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from advisor.errors import AdvisorError
from advisor.models.hardware import HardwareProfile
from advisor.models.request import Request
from advisor.tui import messages as msg
from advisor.tui.request_builder import FieldErrors, build_request, field_of_error
from advisor.tui.screens.help import HelpScreen, binding_rows
from advisor.tui.screens.main import MainScreen
from advisor.tui.widgets.results_table import ResultsTable

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.models.report import Report

EDIT_DELAY_S = 0.25
"""Typing pause before a re-rank, so each keystroke does not start one."""

LIGHT_THEME = "textual-light"
DARK_THEME = "textual-dark"


class AdvisorApp(App[None]):
    """Hardware, request, ranked models, detail and export in one terminal window."""

    CSS_PATH = "app.tcss"
    TITLE = "advisor"
    SUB_TITLE = "which model, which hardware, how to fine-tune"
    ENABLE_COMMAND_PALETTE = False
    # Textual declares this as an instance attribute, so it cannot be a ClassVar here.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1,question_mark", "help", "Help", key_display="f1", id="app.help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark theme", id="app.theme", show=False),
    ]

    def __init__(
        self,
        request: Request,
        hardware: HardwareProfile | None,
        *,
        catalog: Catalog | None = None,
        remember: bool = True,
        export_dir: Path | None = None,
        notice: str | None = None,
    ) -> None:
        super().__init__()
        self.notice = notice
        self.request = request
        self.hardware = hardware
        self.host: HardwareProfile | None = (
            hardware if hardware is not None and not hardware.what_if else None
        )
        self.report: Report | None = None
        self.catalog = catalog
        self.remember = remember
        self.export_dir = export_dir
        self._serial = 0
        self._pending: Timer | None = None
        self._ranking = False
        self._main: MainScreen | None = None

    # --- start -------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        from advisor.gpus import load_gpus

        self._main = MainScreen(self.request, self.hardware, load_gpus())
        await self.push_screen(self._main)
        if self.notice:  # e.g. a tui-state.json that could not be used
            title = "Started without the last request"
            self.notify(self.notice, title=title, severity="warning", timeout=15, markup=False)
        if self.hardware is None:
            self._main.show_busy("Detecting this machine…")
            self._probe()
        else:
            self._rank_now()

    @property
    def main(self) -> MainScreen:
        """The main screen (always at the bottom of the stack)."""
        assert self._main is not None, "the app is not mounted yet"
        return self._main

    @property
    def showing(self) -> bool:
        """Whether the main screen is there to update (False before mount and while closing)."""
        return self._main is not None and self._main.is_attached

    @property
    def busy(self) -> bool:
        """Whether a ranking is waiting or running (tests wait for this to clear)."""
        return self._pending is not None or self._ranking or self.hardware is None

    # --- workers ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="probe")
    def _probe(self) -> None:
        from advisor.hardware import detect

        self.post_message(msg.ProbeFinished(detect()))

    @work(thread=True, exclusive=True, group="rank")
    def _rank(self, request: Request, hardware: HardwareProfile, serial: int) -> None:
        from advisor.catalog import load_catalog
        from advisor.recommend import recommend
        from advisor.tui.state import save_last_request

        try:
            catalog = self.catalog or load_catalog()
            # The library plans every model that fits; the table shows the first --top.
            report = recommend(request, hardware, catalog).trimmed(request.top)
        except AdvisorError as exc:
            field = field_of_error(exc, request)
            self.post_message(msg.RecommendFailed(exc.message, exc.hint, field, serial))
            return
        if self.remember:
            save_last_request(request)
        self.post_message(msg.ReportReady(report, request, catalog, serial))

    @work(thread=True, exclusive=True, group="export")
    def _export(self, report: Report, model_id: str, folder: Path, overwrite: bool) -> None:
        from advisor.tui.exporting import export_report

        try:
            paths = export_report(report, model_id, folder, overwrite=overwrite)
        except AdvisorError as exc:
            self.post_message(msg.WorkerFailed("Export", exc.message, exc.hint))
            return
        self.post_message(msg.ExportFinished(folder, paths))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Any worker that crashed (a bug, not an advisor error) becomes a notification."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            if event.worker.group == "rank":
                self._ranking = False
            self.notify(
                f"{type(error).__name__}: {error}",
                title=f"{event.worker.group.capitalize()} failed",
                severity="error",
                timeout=10,
                markup=False,
            )

    # --- ranking ----------------------------------------------------------------------------

    def _rank_now(self) -> None:
        self._pending = None
        if self.hardware is None or not self.showing:
            return
        self._serial += 1
        self._ranking = True
        self.main.show_busy("Ranking…")
        self._rank(self.request, self.hardware, self._serial)

    def _rank_soon(self) -> None:
        if self._pending is not None:
            self._pending.stop()
        self._pending = self.set_timer(EDIT_DELAY_S, self._rank_now)

    def _invalidate(self) -> None:
        """Forget any ranking waiting or running: its answer would be for an older request."""
        if self._pending is not None:
            self._pending.stop()
            self._pending = None
        self._serial += 1
        self._ranking = False

    def on_report_ready(self, message: msg.ReportReady) -> None:
        """Show the newest report; drop answers to older requests."""
        from advisor.tui.present import excluded_rows, report_rows, report_summary

        if message.serial != self._serial or not self.showing:
            return
        self._ranking = False
        self.report = message.report
        self.catalog = message.catalog
        self.main.show_rows(report_rows(message.report), excluded_rows(message.report))
        self.main.show_summary(report_summary(message.report))
        self.main.form.show_errors({})
        self.main.form.set_data_unit(self._data_unit(message.request))

    def _data_unit(self, request: Request) -> str | None:
        if request.data_unit is not None:
            return request.data_unit
        info = self.catalog.task_info(request.task) if self.catalog is not None else None
        return info.data_unit if info is not None else None

    def on_recommend_failed(self, message: msg.RecommendFailed) -> None:
        """Mark the field at fault (or the form) and say why."""
        if message.serial != self._serial or not self.showing:
            return
        self._ranking = False
        reason = message.message + (f" ({message.hint})" if message.hint else "")
        self.main.form.show_errors({message.field: reason})
        self.main.show_summary(_error_text(reason))

    def on_probe_finished(self, message: msg.ProbeFinished) -> None:
        """Detection finished: plan for this machine."""
        if not self.showing:
            return
        self.host = message.hardware
        self.hardware = message.hardware
        self.main.hardware_panel.show(message.hardware)
        self._rank_now()

    def on_worker_failed(self, message: msg.WorkerFailed) -> None:
        """An advisor error from a worker: one notification with the next step."""
        text = message.message + (f"\n{message.hint}" if message.hint else "")
        title = f"{message.action} failed"
        self.notify(text, title=title, severity="error", timeout=10, markup=False)

    # --- user edits ---------------------------------------------------------------------------

    @on(msg.RequestEdited)
    def _request_edited(self, message: msg.RequestEdited) -> None:
        if not self.showing:
            return
        try:
            request = build_request(message.values, self.request)
        except FieldErrors as exc:
            self._invalidate()
            self.main.form.show_errors(exc.errors)
            self.main.show_summary(_error_text("fix the marked field to rank again"))
            return
        self.main.form.show_errors({})
        if request != self.request:
            self.request = request
            self._rank_soon()

    @on(msg.WhatIfEdited)
    def _whatif_edited(self, message: msg.WhatIfEdited) -> None:
        from advisor.whatif import apply_whatif

        if not self.showing:
            return
        panel = self.main.hardware_panel
        if message.whatif is None:
            if self.host is None:
                self.hardware = None
                panel.show(None)
                self.main.show_busy("Detecting this machine…")
                self._probe()
                return
            hardware = self.host
        else:
            base = self.host or self.hardware
            if base is None:
                return
            try:
                hardware = apply_whatif(message.whatif, base)
            except AdvisorError as exc:
                panel.show_error(exc.one_line())
                return
        panel.show_error(None)
        panel.show(hardware)
        if hardware != self.hardware:
            self.hardware = hardware
            self._rank_soon()

    @on(msg.ModelChosen)
    def _model_chosen(self, message: msg.ModelChosen) -> None:
        from advisor.tui.present import find_recommendation
        from advisor.tui.screens.detail import DetailScreen  # its rich tables cost ~40 ms to load

        if self.report is None or self.hardware is None:
            return
        rec = find_recommendation(self.report, message.model_id)
        if rec is not None:
            folder = self.export_dir or Path("advisor-export") / message.model_id
            self.push_screen(DetailScreen(rec, self.report, self.hardware, folder))

    @on(msg.ExportRequested)
    def _export_requested(self, message: msg.ExportRequested) -> None:
        self._export(message.report, message.model_id, message.folder, message.overwrite)

    def on_export_finished(self, message: msg.ExportFinished) -> None:
        """Name every file written."""
        names = "\n".join(_relative(path, message.folder) for path in message.paths)
        title = f"Exported {len(message.paths)} files to {message.folder}"
        self.notify(names, title=title, timeout=15, markup=False)

    # --- actions ------------------------------------------------------------------------------

    def action_help(self) -> None:
        """Open the help screen listing every binding."""
        from advisor.tui.screens.detail import DetailScreen

        if isinstance(self.screen, HelpScreen):
            return
        groups = [
            ("Everywhere", self.BINDINGS),
            ("Main screen", MainScreen.BINDINGS),
            ("Results table", ResultsTable.BINDINGS),
            ("Model detail", DetailScreen.BINDINGS),
            ("Help", HelpScreen.BINDINGS),
        ]
        self.push_screen(HelpScreen(binding_rows(groups)))

    def action_toggle_theme(self) -> None:
        """Switch between the light and dark themes."""
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def _error_text(reason: str) -> Text:
    return Text(f"Cannot rank: {reason}", style="bold")


def create_app(
    request: Request,
    hardware: HardwareProfile | None,
    *,
    catalog: Catalog | None = None,
    remember: bool = True,
    export_dir: Path | None = None,
    notice: str | None = None,
) -> AdvisorApp:
    """The app for ``request`` on ``hardware`` (None: detect this machine in a worker).

    ``catalog`` replaces the shipped one (tests pass a fixed catalog); ``remember=False`` does
    not save the last request; ``export_dir`` is where the detail view exports (default:
    ``advisor-export/<model id>`` under the working directory); ``notice`` is shown once the app
    is up (why the remembered request was not used).
    """
    return AdvisorApp(
        request, hardware, catalog=catalog, remember=remember, export_dir=export_dir, notice=notice
    )
