"""A memory bar: what a plan puts in device memory, drawn against the device's capacity.

Each part of the breakdown (weights, KV cache, activations, gradients, optimizer state,
overhead) is a coloured run of cells, scaled so the whole bar is the device's memory; what does
not fit spills past a marker in the error colour. Colours come from the stylesheet's component
classes, so the bar follows the light and dark themes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from advisor.models.estimate import MemoryBreakdown
from advisor.units import format_bytes

PARTS: tuple[tuple[str, str], ...] = (
    ("weights", "weights"),
    ("kv_cache", "KV cache"),
    ("activations", "activations"),
    ("gradients", "gradients"),
    ("optimizer", "optimizer"),
    ("overhead", "overhead"),
)
"""Breakdown fields in drawing order, with the legend's words."""


def breakdown_parts(breakdown: MemoryBreakdown) -> list[tuple[str, str, int]]:
    """(field, label, bytes) for every non-empty part of ``breakdown``, in drawing order."""
    parts = []
    for name, label in PARTS:
        value = int(getattr(breakdown, f"{name}_bytes"))
        if value > 0:
            parts.append((name, label, value))
    return parts


class MemoryBar(Widget):
    """One labelled bar: a memory breakdown against a capacity (both per device)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"memory-bar--{name}" for name, _ in PARTS),
        "memory-bar--free",
        "memory-bar--over",
    }

    DEFAULT_CSS = """
    MemoryBar { height: auto; }
    """

    def __init__(
        self,
        title: str,
        breakdown: MemoryBreakdown | None,
        total_bytes: int | None,
        capacity_bytes: int | None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.title = title
        self.breakdown = breakdown
        self.total_bytes = total_bytes
        self.capacity_bytes = capacity_bytes

    def _headline(self) -> Text:
        text = Text(self.title, style="bold")
        total, capacity = self.total_bytes, self.capacity_bytes
        if total is None:
            return text.append("  memory unknown")
        text.append(f"  {format_bytes(total)}")
        if capacity:
            share = total / capacity
            text.append(f" of {format_bytes(capacity)} per device ({share:.0%})")
            if total > capacity:
                text.append(
                    "  does not fit", style=self.get_component_rich_style("memory-bar--over")
                )
        else:
            text.append(" (no GPU memory to compare with)")
        return text

    def _bar(self, width: int) -> Text:
        parts = breakdown_parts(self.breakdown) if self.breakdown else []
        total = sum(value for _, _, value in parts) or (self.total_bytes or 0)
        capacity = self.capacity_bytes or 0
        scale = max(total, capacity)
        bar = Text()
        if scale <= 0 or width < 4:
            return bar
        used = 0
        drawn = 0
        for name, _, value in parts:
            used += value
            end = round(used / scale * width)
            style = self.get_component_rich_style(f"memory-bar--{name}")
            bar.append("█" * max(0, end - drawn), style=style)
            drawn = max(drawn, end)
        if capacity > total:
            bar.append(
                "░" * (width - drawn), style=self.get_component_rich_style("memory-bar--free")
            )
        elif capacity and total > capacity:
            # Cells past the capacity marker are the part that does not fit.
            cut = round(capacity / scale * width)
            bar.stylize(self.get_component_rich_style("memory-bar--over"), cut, width)
            bar = bar[:cut] + Text("│") + bar[cut:]
        return bar

    def _legend(self) -> Text:
        legend = Text()
        for name, label, value in breakdown_parts(self.breakdown) if self.breakdown else []:
            if legend:
                legend.append("  ")
            legend.append("█ ", style=self.get_component_rich_style(f"memory-bar--{name}"))
            legend.append(f"{label} {format_bytes(value)}")
        return legend

    def render(self) -> RenderableType:
        width = max(self.size.width - 1, 10)
        lines = [self._headline(), self._bar(width)]
        legend = self._legend()
        if legend:
            lines.append(legend)
        return Text("\n").join(lines)
