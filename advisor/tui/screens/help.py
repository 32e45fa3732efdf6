"""The help screen: every key binding of the app, with its id (for remapping) and purpose."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

_NAMES = {"question_mark": "?", "escape": "Esc", "enter": "Enter"}


def key_name(key: str) -> str:
    """How a key is written for people: ``ctrl+q`` → ``Ctrl+Q``, ``f1`` → ``F1``."""
    key = key.strip()
    if key in _NAMES:
        return _NAMES[key]
    parts = key.split("+")
    return "+".join(part.capitalize() if len(part) > 1 else part.upper() for part in parts)


def binding_rows(
    groups: Iterable[tuple[str, Iterable[BindingType]]],
) -> list[tuple[str, str, str, str]]:
    """(where, keys, description, id) for every ``Binding`` in ``groups``."""
    rows = []
    for where, bindings in groups:
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            keys = ", ".join(key_name(k) for k in binding.key.split(","))
            rows.append((where, keys, binding.description or binding.tooltip, binding.id or ""))
    return rows


def help_text(rows: list[tuple[str, str, str, str]]) -> Text:
    """The table of bindings as the help screen shows it."""
    text = Text()
    where_seen = ""
    key_width = max((len(keys) for _, keys, _, _ in rows), default=4)
    for where, keys, description, binding_id in rows:
        if where != where_seen:
            text.append(("\n" if where_seen else "") + where + "\n", style="bold underline")
            where_seen = where
        text.append(f"  {keys:<{key_width}}  ", style="bold")
        text.append(description)
        if binding_id:
            text.append(f"  [{binding_id}]", style="dim")
        text.append("\n")
    text.append(
        "\nMouse: click a column heading to sort by it; click a row to open it.\n"
        "Remap keys with the ids in brackets (App.set_keymap).",
        style="italic",
    )
    return text


class HelpScreen(ModalScreen[None]):
    """A modal list of every binding; Escape (or F1/?) closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "close", "Close help", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self._rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc closes"
            yield Static(help_text(self._rows), id="help-text")

    def action_close(self) -> None:
        """Close the help screen."""
        self.dismiss(None)
