"""The main screen: hardware and request on the left, ranked models on the right.

It arranges the widgets and passes along what the app gives it (hardware, a report turned into
rows, errors); what the user does reaches the app as messages from the widgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from advisor.models.hardware import GpuSpec, HardwareProfile
from advisor.models.request import Request
from advisor.tui.messages import ModelChosen
from advisor.tui.widgets.hardware_panel import HardwarePanel
from advisor.tui.widgets.request_form import RequestForm
from advisor.tui.widgets.results_table import ResultsTable, Row


class MainScreen(Screen[None]):
    """Hardware panel, request form, summary line, ranked and excluded models."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "focus_form", "Request", id="main.request"),
        Binding("f3", "whatif", "What-if", id="main.whatif"),
        Binding("f4", "focus_results", "Results", id="main.results", show=False),
        Binding("f5", "excluded", "Excluded", id="main.excluded"),
        Binding("ctrl+o", "open_highlighted", "Open highlighted model", id="main.open", show=False),
    ]

    def __init__(
        self, request: Request, hardware: HardwareProfile | None, gpus: Sequence[GpuSpec]
    ) -> None:
        super().__init__()
        self._request = request
        self._hardware = hardware
        self._gpus = gpus

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="body"):
            with VerticalScroll(id="side"):
                yield HardwarePanel(self._gpus, self._hardware, id="hardware")
                yield RequestForm(self._request, id="form")
            with Vertical(id="results-pane"):
                yield Static("Ranking…", id="summary")
                with TabbedContent(id="tabs"):
                    with TabPane("Ranked", id="tab-ranked"):
                        yield ResultsTable(id="results")
                    with TabPane("Excluded", id="tab-excluded"):
                        yield DataTable(id="excluded", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        excluded = self.query_one("#excluded", DataTable)
        excluded.add_columns("Model", "Why not")
        self.query_one(ResultsTable).focus()

    @property
    def results(self) -> ResultsTable:
        """The ranked table."""
        return self.query_one(ResultsTable)

    @property
    def hardware_panel(self) -> HardwarePanel:
        """The hardware panel."""
        return self.query_one(HardwarePanel)

    @property
    def form(self) -> RequestForm:
        """The request form."""
        return self.query_one(RequestForm)

    def show_busy(self, what: str) -> None:
        """Say that work is under way (the table keeps the last answer meanwhile)."""
        summary = self.query_one("#summary", Static)
        summary.update(Text(what, style="italic"))
        summary.add_class("-busy")

    def show_summary(self, summary: Text) -> None:
        """The line above the table: strategy and warnings of the current report."""
        widget = self.query_one("#summary", Static)
        widget.remove_class("-busy")
        widget.update(summary)

    def show_rows(self, rows: list[Row], excluded: list[tuple[str, str]]) -> None:
        """Fill the ranked and excluded tables (the summary line gives their counts)."""
        self.results.show(rows)
        table = self.query_one("#excluded", DataTable)
        table.clear()
        for model, reason in excluded:
            table.add_row(model, reason)

    def action_open_highlighted(self) -> None:
        """Open the detail view of the highlighted model."""
        key = self.results.highlighted_key()
        if key is not None:
            self.post_message(ModelChosen(key))

    def action_focus_results(self) -> None:
        """Move to the ranked table."""
        self.query_one(TabbedContent).active = "tab-ranked"
        self.results.focus()

    def action_focus_form(self) -> None:
        """Move to the request form's task field."""
        self.query_one("#task").focus()

    def action_whatif(self) -> None:
        """Open the what-if editor."""
        self.hardware_panel.open_editor()

    def action_excluded(self) -> None:
        """Show the models that were left out, with the reasons."""
        self.query_one(TabbedContent).active = "tab-excluded"
        self.query_one("#excluded", DataTable).focus()
