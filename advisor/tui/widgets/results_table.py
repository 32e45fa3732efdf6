"""The results table: ranked models, sortable, one row per model.

It shows the rows it is given (``Row``: cells to display and the raw values to sort by);
clicking a column heading or pressing ``s`` sorts by a column (again: reverse), and Enter posts
``ModelChosen`` for the highlighted model. It computes nothing about the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from advisor.tui.messages import ModelChosen

SortValue = float | str | None


@dataclass(frozen=True)
class Row:
    """One model as the table shows it: ``cells`` to display, ``sort`` values per column."""

    key: str
    cells: tuple[str | Text, ...]
    sort: tuple[SortValue, ...]


COLUMNS = (
    "#",
    "Model",
    "Params",
    "Serve as",
    "Serve mem",
    "Tokens/s",
    "Fine-tune",
    "FT mem",
    "Quality",
    "Licence",
)


def _width(cell: str | Text) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def _sort_key(value: SortValue) -> tuple[int, float | str]:
    """Unknowns last; numbers by value; text alphabetically."""
    if value is None:
        return (2, 0.0)
    if isinstance(value, str):
        return (1, value.lower())
    return (0, value)


class ResultsTable(DataTable[str | Text]):
    """Ranked models; the row key is the model id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open model", id="results.open"),
        Binding("s", "next_sort", "Sort", id="results.sort"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._rows: list[Row] = []
        self.sort_column = 0
        self.sort_reverse = False

    def on_mount(self) -> None:
        self._refill()

    def show(self, rows: list[Row]) -> None:
        """Replace the rows (a new report): keep the sort order, highlight the first row."""
        self._rows = list(rows)
        self._refill(keep_cursor=False)

    def highlighted_key(self) -> str | None:
        """The model id under the cursor, or None when the table is empty."""
        if not self._rows or self.cursor_row < 0:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def _refill(self, *, keep_cursor: bool = True) -> None:
        keep = self.highlighted_key() if self.row_count and keep_cursor else None
        ordered = sorted(
            self._rows,
            key=lambda row: _sort_key(row.sort[self.sort_column]),
            reverse=self.sort_reverse,
        )
        if self.sort_reverse:  # unknowns still last
            ordered.sort(key=lambda row: row.sort[self.sort_column] is None)
        self.clear(columns=True)
        for index, title in enumerate(COLUMNS):
            arrow = (" ▼" if self.sort_reverse else " ▲") if index == self.sort_column else ""
            # Widths set here, not measured later by the table, so a frame drawn right after
            # new rows arrive never shows them cut to the heading's width.
            width = max([cell_len(title + arrow)] + [_width(row.cells[index]) for row in ordered])
            self.add_column(title + arrow, key=str(index), width=width)
        for row in ordered:
            self.add_row(*row.cells, key=row.key)
        if keep is not None and keep in {row.key for row in ordered}:
            self.move_cursor(row=self.get_row_index(keep))
        self.refresh()

    def sort_by(self, column: int) -> None:
        """Sort by ``column``; sorting by the same column again reverses the order."""
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._refill()

    def action_next_sort(self) -> None:
        """Sort by the next column."""
        self.sort_column = (self.sort_column + 1) % len(COLUMNS)
        self.sort_reverse = False
        self._refill()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(event.column_index)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(ModelChosen(event.row_key.value))
