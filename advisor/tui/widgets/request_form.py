"""The request form: task, data size, translation languages, licence and goal.

Every change posts ``RequestEdited`` with the fields as typed; the app turns them into a
``Request`` and calls back ``show_errors`` to mark the fields it could not use, each with the
reason. The language pair is shown only for translation.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select

from advisor.models.request import LICENSE_ANY, LICENSE_COMMERCIAL, Goal, Request
from advisor.models.task import Task
from advisor.tui.messages import FormValues, RequestEdited

FIELDS = ("task", "data", "source_lang", "target_lang", "license", "goal")
"""Field names, as ``FormValues`` and ``show_errors`` use them."""

_GOALS = (
    (Goal.BOTH, "serve and fine-tune"),
    (Goal.SERVE, "serve only"),
    (Goal.FINE_TUNE, "fine-tune"),
)


def show_error(label: Label, reason: str | None) -> None:
    """Show ``reason`` in an error label, or hide the label when there is none."""
    label.update(reason or "")
    label.set_class(bool(reason), "-shown")


class RequestForm(Vertical):
    """The form; ``values()`` reads it, ``show_errors`` marks it."""

    BORDER_TITLE = "Request"

    def __init__(self, request: Request, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._request = request

    def compose(self) -> ComposeResult:
        request = self._request
        yield Label("Task", classes="field-label")
        yield Select(
            [(task.value, task.value) for task in Task],
            value=request.task.value,
            allow_blank=False,
            id="task",
            compact=True,
        )
        yield Label("Training data (examples)", id="data-label", classes="field-label")
        yield Input(
            str(request.data) if request.data else "",
            placeholder="0, 800, 5k, 1.2M",
            id="data",
            compact=True,
        )
        yield Label("", id="data-error", classes="field-error")
        with Vertical(id="languages"):
            yield Label("Languages: from → to", classes="field-label")
            with Horizontal(classes="pair"):
                yield Input(
                    request.source_lang or "", placeholder="en", id="source_lang", compact=True
                )
                yield Input(
                    request.target_lang or "", placeholder="sw", id="target_lang", compact=True
                )
            yield Label("", id="source_lang-error", classes="field-error")
            yield Label("", id="target_lang-error", classes="field-error")
        yield Label("Licence", classes="field-label")
        licences = [("any licence", LICENSE_ANY), ("commercial use allowed", LICENSE_COMMERCIAL)]
        if request.license not in (LICENSE_ANY, LICENSE_COMMERCIAL):
            licences.append((request.license, request.license))
        yield Select(licences, value=request.license, allow_blank=False, id="license", compact=True)
        yield Label("", id="license-error", classes="field-error")
        yield Label("Goal", classes="field-label")
        yield Select(
            [(label, goal.value) for goal, label in _GOALS],
            value=request.goal.value,
            allow_blank=False,
            id="goal",
            compact=True,
        )
        yield Label("", id="form-error", classes="field-error")

    def on_mount(self) -> None:
        self._show_languages(self._request.task.value)

    def _show_languages(self, task: str) -> None:
        self.query_one("#languages").display = task == Task.TRANSLATION.value

    def set_data_unit(self, unit: str | None) -> None:
        """Name what the data field counts for the chosen task (examples, hours, ...)."""
        self.query_one("#data-label", Label).update(f"Training data ({unit or 'examples'})")

    def values(self) -> FormValues:
        """The fields as typed."""
        return FormValues(
            task=str(self.query_one("#task", Select).value),
            data=self.query_one("#data", Input).value,
            source_lang=self.query_one("#source_lang", Input).value,
            target_lang=self.query_one("#target_lang", Input).value,
            license=str(self.query_one("#license", Select).value),
            goal=str(self.query_one("#goal", Select).value),
        )

    def show_errors(self, errors: Mapping[str | None, str]) -> None:
        """Mark each field named in ``errors`` with its reason; clear the others.

        The key ``None`` is a problem with the request as a whole.
        """
        for name in ("data", "source_lang", "target_lang"):
            reason = errors.get(name)
            self.query_one(f"#{name}", Input).set_class(reason is not None, "-error")
            show_error(self.query_one(f"#{name}-error", Label), reason)
        show_error(self.query_one("#license-error", Label), errors.get("license"))
        show_error(self.query_one("#form-error", Label), errors.get(None))

    @on(Select.Changed)
    @on(Input.Changed)
    def _edited(self, event: Select.Changed | Input.Changed) -> None:
        event.stop()
        if isinstance(event, Select.Changed) and event.select.id == "task":
            self._show_languages(str(event.value))
        self.post_message(RequestEdited(self.values()))
