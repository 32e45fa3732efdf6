"""The hardware panel: what advisor plans for, and the what-if editor.

Shows the profile it is given (detected or what-if): CPU, RAM, each GPU group with its memory,
and every probe that failed. The collapsible editor lets the user plan for other hardware (a
catalog GPU, a count, RAM, CPU only); each valid change posts ``WhatIfEdited``, and fields that
cannot be read are marked with the reason. The panel never detects or applies anything itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.lazy import Lazy
from textual.widgets import Button, Checkbox, Collapsible, Input, Label, Select, Static

from advisor.errors import InvalidValueError
from advisor.models.hardware import MAX_GPUS, GpuSpec, HardwareProfile
from advisor.tui.messages import WhatIfEdited
from advisor.tui.widgets.request_form import show_error
from advisor.units import format_bytes, parse_count, parse_gib
from advisor.whatif import WhatIf


def describe_hardware(profile: HardwareProfile | None) -> Text:
    """The panel's summary lines for ``profile`` (None: detection still running)."""
    if profile is None:
        return Text("Detecting this machine…", style="italic")
    text = Text()
    text.append("What-if" if profile.what_if else "Detected", style="bold")
    text.append(" hardware\n")
    cpu = profile.cpu
    cores = f", {cpu.cores} cores" if cpu.cores else ""
    text.append(f"CPU  {cpu.name or 'unknown'}{cores}\n")
    text.append(f"RAM  {format_bytes(profile.ram_bytes)}")
    if not profile.gpus:
        text.append("\nGPU  none (CPU only)")
    for gpu in profile.gpus:
        memory = format_bytes(gpu.memory_bytes)
        shared = " shared" if gpu.unified_memory else ""
        mig = " MIG" if gpu.mig else ""
        text.append(f"\nGPU  {gpu.count}× {gpu.name}{mig}, {memory}{shared} each")
    for problem in profile.probe_errors:
        text.append(f"\n⚠ {problem.probe}: {problem.message}", style="bold")
    return text


class WhatIfEditor(Vertical):
    """The what-if fields: a catalog GPU, a count, RAM, CPU only, and a reset button."""

    def __init__(self, gpus: Sequence[GpuSpec]) -> None:
        super().__init__()
        self._gpus = gpus

    def compose(self) -> ComposeResult:
        yield Label("GPU", classes="field-label")
        yield Select(
            [(spec.name, spec.id) for spec in self._gpus],
            prompt="unchanged",
            id="whatif-gpu",
            compact=True,
        )
        with Horizontal(classes="pair"):
            with Vertical():
                yield Label("Count", classes="field-label")
                yield Input(placeholder="1", id="whatif-count", compact=True)
            with Vertical():
                yield Label("RAM GiB", classes="field-label")
                yield Input(placeholder="as found", id="whatif-ram", compact=True)
        yield Checkbox("CPU only", id="whatif-cpu", compact=True)
        yield Label("", id="whatif-error", classes="field-error")
        yield Button("Use this machine", id="whatif-reset", compact=True)


class HardwarePanel(Vertical):
    """Summary of the hardware plus the what-if editor."""

    BORDER_TITLE = "Hardware"

    def __init__(
        self, gpus: Sequence[GpuSpec], profile: HardwareProfile | None, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self._gpus = list(gpus)
        self._profile = profile

    def compose(self) -> ComposeResult:
        yield Static(describe_hardware(self._profile), id="hw-summary")
        # The editor (73 catalog GPUs in a picker) is mounted after the first paint.
        yield Lazy(Collapsible(WhatIfEditor(self._gpus), title="What-if (F3)", id="whatif"))

    def show(self, profile: HardwareProfile | None) -> None:
        """Display ``profile``."""
        self._profile = profile
        self.query_one("#hw-summary", Static).update(describe_hardware(profile))

    def show_error(self, message: str | None) -> None:
        """Show why the what-if could not be applied (None clears it)."""
        show_error(self.query_one("#whatif-error", Label), message)

    def open_editor(self) -> None:
        """Expand the what-if editor and focus its GPU picker."""
        self.query_one("#whatif", Collapsible).collapsed = False
        self.query_one("#whatif-gpu", Select).focus()

    def _field(self, widget_id: str, reason: str | None) -> None:
        widget = self.query_one(f"#{widget_id}", Input)
        widget.set_class(reason is not None, "-error")
        widget.tooltip = reason

    def _read(self) -> WhatIf | None:
        """The what-if the fields describe, marking unreadable ones; None when one is invalid."""
        count_text = self.query_one("#whatif-count", Input).value.strip()
        ram_text = self.query_one("#whatif-ram", Input).value.strip()
        errors: list[str] = []
        count: int | None = None
        ram: float | None = None
        try:
            count = parse_count(count_text, "GPU count") if count_text else None
            if count is not None and not 1 <= count <= MAX_GPUS:
                raise InvalidValueError(f"GPU count must be 1 to {MAX_GPUS}", None)
            self._field("whatif-count", None)
        except InvalidValueError as exc:
            self._field("whatif-count", exc.message)
            errors.append(exc.one_line())
        try:
            ram = parse_gib(ram_text, "RAM") if ram_text else None
            self._field("whatif-ram", None)
        except InvalidValueError as exc:
            self._field("whatif-ram", exc.message)
            errors.append(exc.one_line())
        self.show_error("\n".join(errors) or None)
        if errors:
            return None
        gpu = self.query_one("#whatif-gpu", Select).value
        cpu_only = self.query_one("#whatif-cpu", Checkbox).value
        return WhatIf(
            gpus=[] if cpu_only or not isinstance(gpu, str) else [gpu],
            gpu_count=None if cpu_only else count,
            ram_gib=ram,
            cpu_only=cpu_only,
        )

    @on(Select.Changed, "#whatif-gpu")
    @on(Input.Changed, "#whatif-count, #whatif-ram")
    @on(Checkbox.Changed, "#whatif-cpu")
    def _edited(self, event: Select.Changed | Input.Changed | Checkbox.Changed) -> None:
        event.stop()
        whatif = self._read()
        if whatif is not None:
            self.post_message(WhatIfEdited(None if whatif.is_empty() else whatif))

    @on(Button.Pressed, "#whatif-reset")
    def _reset(self, event: Button.Pressed) -> None:
        event.stop()
        with self.prevent(Select.Changed, Input.Changed, Checkbox.Changed):
            self.query_one("#whatif-gpu", Select).clear()
            self.query_one("#whatif-count", Input).value = ""
            self.query_one("#whatif-ram", Input).value = ""
            self.query_one("#whatif-cpu", Checkbox).value = False
        self.show_error(None)
        self.post_message(WhatIfEdited(None))
