"""Exit codes of the ``advisor`` command."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """0 success (``nothing fits`` is an answer too), 1 runtime failure, 2 usage, 130 Ctrl-C."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    INTERRUPTED = 130
