"""One time budget for all the Hub requests of a command.

``budget(seconds)`` opens a deadline for the calls inside it; a budget opened inside another
can only shorten it (a per-repo deadline within ``catalog refresh --timeout``). Without an
open budget, each ``hub_model`` call gets its own of ``ADVISOR_HUB_DEADLINE`` (default 30 s).
The deadline is handed to worker threads explicitly (context variables do not follow them).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from advisor.hub import env


class Deadline:
    """A point in (monotonic) time, and the length of the budget it closes."""

    def __init__(self, seconds: float, *, within: Deadline | None = None) -> None:
        end: float = time.monotonic() + seconds
        if within is not None and within.end < end:
            end, seconds = within.end, within.seconds
        self.end: float = end
        self.seconds: float = seconds
        """The budget as stated (for messages)."""

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(self.end - time.monotonic(), 0.0)


_current: ContextVar[Deadline | None] = ContextVar("advisor_hub_deadline", default=None)


def current() -> Deadline | None:
    """The deadline of the innermost open budget, if any."""
    return _current.get()


@contextmanager
def budget(seconds: float | None = None) -> Iterator[Deadline]:
    """Run the block under a deadline of ``seconds`` (default: ``env.deadline_s()``).

    Inside an open budget, ``seconds=None`` keeps that budget, and a number can only end it
    sooner.
    """
    outer = _current.get()
    if seconds is None and outer is not None:
        yield outer
        return
    found = Deadline(env.deadline_s() if seconds is None else seconds, within=outer)
    token = _current.set(found)
    try:
        yield found
    finally:
        _current.reset(token)
