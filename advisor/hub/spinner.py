"""A plain-text spinner on stderr while a Hub look-up takes longer than half a second.

Only when stderr is a terminal (never in pipes, logs or ``--json`` captures), and never from
library code that a caller has told to be quiet: ``quiet()`` turns it off for a block (the CLI
does so while it draws its own progress bar). Plain text and ANSI erase-line only, so the
library needs no terminal package.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

DELAY_S = 0.5
"""Answers faster than this show nothing: a spinner that flashes is noise."""
FRAME_S = 0.1
FRAMES = "|/-\\"

_quiet: ContextVar[bool] = ContextVar("advisor_hub_quiet", default=False)


@contextmanager
def quiet() -> Iterator[None]:
    """No spinner inside this block."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


@contextmanager
def waiting(label: str, stream: TextIO | None = None) -> Iterator[None]:
    """Show ``label`` with a spinner and the seconds waited, from ``DELAY_S`` until done."""
    out = sys.stderr if stream is None else stream
    if _quiet.get() or not _is_tty(out):
        yield
        return
    done = threading.Event()
    shown = threading.Event()
    start = time.monotonic()

    def spin() -> None:
        if done.wait(DELAY_S):
            return
        frame = 0
        while not done.is_set():
            waited = time.monotonic() - start
            out.write(f"\r{FRAMES[frame % len(FRAMES)]} {label} ({waited:.1f} s)\x1b[K")
            out.flush()
            shown.set()
            frame += 1
            done.wait(FRAME_S)

    worker = threading.Thread(target=spin, name="advisor-spinner", daemon=True)
    worker.start()
    try:
        yield
    finally:
        done.set()
        worker.join(timeout=1.0)
        if shown.is_set():
            out.write("\r\x1b[K")
            out.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
