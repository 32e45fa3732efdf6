"""The error hierarchy: every failure a user can meet, each with a message and a hint.

Library code raises these and never prints; the CLI turns them into one line on stderr and an
exit code (``UsageError`` and its children exit 2, everything else 1). The ``hint`` says what to
do next ("run `advisor catalog list` to see the ids").
"""

from __future__ import annotations

MAX_MESSAGE = 400
"""Characters of an error message the CLI prints (it quotes what the user typed)."""


def shorten(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message``, cut to ``limit`` characters (the last one '…') when longer."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


class AdvisorError(Exception):
    """Base of every error advisor raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and the hint as one line, as the CLI prints it. A message longer than
        ``MAX_MESSAGE`` (one quoting a 5,000-digit value) is cut; the hint is kept whole."""
        message = shorten(self.message)
        return f"{message} ({self.hint})" if self.hint else message


class UsageError(AdvisorError):
    """The user asked for something that cannot be understood as given (exit code 2)."""

    exit_code = 2


class InvalidValueError(UsageError):
    """A flag or field holds a value outside its domain (negative size, unknown precision...)."""


class UnknownTaskError(UsageError):
    """The task name is not one advisor knows."""


class UnknownGpuError(UsageError):
    """The GPU name matches no accelerator in the catalog."""


class UnknownModelError(UsageError):
    """The model is neither a catalog id, a readable config.json, nor a Hub repo id."""


class UnknownLanguageError(UsageError):
    """A language code is not an ISO 639 code advisor knows."""


class ConfigError(AdvisorError):
    """A model config (config.json or catalog record) is missing facts or malformed."""


class CatalogError(AdvisorError):
    """The catalog (shipped or a user overlay) does not load or does not validate."""


class HardwareError(AdvisorError):
    """Hardware facts could not be established (detection itself never raises this)."""


class EstimateError(AdvisorError):
    """A requested set-up cannot be estimated (e.g. more GPUs than ZeRO can use)."""


class ExportError(AdvisorError):
    """Writing exported configs failed (existing files without --force, unwritable folder)."""


class HubError(AdvisorError):
    """Talking to the Hugging Face Hub failed; subclasses name the reason."""
