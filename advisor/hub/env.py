"""Hub settings read from the environment at call time (never at import), parsed strictly.

The variables are huggingface_hub's own, with its meaning
(https://huggingface.co/docs/huggingface_hub/package_reference/environment_variables):
``HF_ENDPOINT`` (mirrors), ``HF_HUB_OFFLINE``, ``HF_TOKEN`` (and the older
``HUGGING_FACE_HUB_TOKEN``), ``HF_TOKEN_PATH``, ``HF_HOME``, ``HF_HUB_CACHE``,
``HF_HUB_ETAG_TIMEOUT``. huggingface_hub reads most of them once, when it is imported; advisor
reads them itself on every call and hands the values to the client explicitly, so a process
(or a test) that changes them is obeyed. advisor's own: ``ADVISOR_HUB_TTL`` (seconds Hub
answers are reused from advisor's cache) and ``ADVISOR_HUB_DEADLINE`` (seconds one command may
spend on the Hub in all, default 30).

A value that cannot be used is a ``HubSettingError`` (exit 2) naming the variable and the fix,
raised before huggingface_hub is imported: that import itself fails on a timeout that is not a
whole number (it parses ``HF_HUB_ETAG_TIMEOUT`` with ``int()``).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from advisor.errors import UsageError

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT_S = 10.0
"""huggingface_hub's DEFAULT_ETAG_TIMEOUT (constants.py): seconds to wait for one answer."""
DEFAULT_TTL_S = 24 * 3600
"""Hub facts (config, parameter counts) change rarely; a day keeps repeated estimates instant."""
DEFAULT_DEADLINE_S = 30.0
"""All Hub requests of one command together: enough for a model with dozens of shards on a
slow line, short enough that a hung server is noticed by a person, not by a watchdog."""
MAX_SECONDS = 24 * 3600.0
"""Upper bound of every time setting: longer is a typo (milliseconds), not a wish."""
MIN_DEADLINE_S = 0.01
MAX_TOKEN_BYTES = 4096
"""Largest token file read (a Hub token is under 100 characters)."""

_TRUE = {"1", "ON", "YES", "TRUE"}
"""Truthy spellings, as huggingface_hub's ``constants._is_true``."""
_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::\d{1,5})?(?:/[A-Za-z0-9._~\-/%]*)?$")
"""An http(s) URL with a host, an optional port and a plain path (no query, no spaces)."""
_HF_INTS = ("HF_HUB_ETAG_TIMEOUT", "HF_HUB_DOWNLOAD_TIMEOUT")
"""Variables huggingface_hub parses with ``int()`` when it is imported."""


class HubSettingError(UsageError):
    """An environment variable of the Hub settings holds a value advisor cannot use."""


def _bad(name: str, value: str, want: str) -> HubSettingError:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return HubSettingError(
        f"{name}={shown!r} is not {want}", f"set {name} to {want}, or unset it for the default"
    )


def endpoint() -> str:
    """The Hub's base URL: ``$HF_ENDPOINT`` without a trailing slash, else huggingface.co."""
    value = os.environ.get("HF_ENDPOINT", "").strip()
    if not value:
        return DEFAULT_ENDPOINT
    if not _URL.match(value):
        raise _bad("HF_ENDPOINT", value, "an http(s) URL such as https://huggingface.co")
    return value.rstrip("/")


def offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` (or the older ``TRANSFORMERS_OFFLINE``) forbids the network."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.strip().upper() in _TRUE


def _seconds(name: str, default: float, *, minimum: float, whole: bool = False) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    want = (
        f"whole seconds from {minimum:g} to {MAX_SECONDS:g}"
        if whole
        else f"seconds from {minimum:g} to {MAX_SECONDS:g}"
    )
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        raise _bad(name, raw, want) from None
    if not math.isfinite(value) or not minimum <= value <= MAX_SECONDS:
        raise _bad(name, raw, want)
    return float(value)


def timeout_s() -> float:
    """Seconds to wait for one Hub answer: ``$HF_HUB_ETAG_TIMEOUT``, else 10.

    Whole seconds, as huggingface_hub requires (``0`` means its default, as there).
    """
    raw = os.environ.get("HF_HUB_ETAG_TIMEOUT", "").strip()
    if raw == "0":
        return DEFAULT_TIMEOUT_S
    return _seconds("HF_HUB_ETAG_TIMEOUT", DEFAULT_TIMEOUT_S, minimum=1, whole=True)


def ttl_s() -> float:
    """Seconds a cached Hub answer stays fresh: ``$ADVISOR_HUB_TTL``, else a day (0: never)."""
    return _seconds("ADVISOR_HUB_TTL", DEFAULT_TTL_S, minimum=0)


def deadline_s() -> float:
    """Seconds one command may spend on the Hub: ``$ADVISOR_HUB_DEADLINE``, else 30."""
    return _seconds("ADVISOR_HUB_DEADLINE", DEFAULT_DEADLINE_S, minimum=MIN_DEADLINE_S)


def check() -> None:
    """Raise ``HubSettingError`` for the first unusable Hub setting (before any request)."""
    endpoint()
    timeout_s()
    ttl_s()
    deadline_s()
    for name in _HF_INTS[1:]:
        raw = os.environ.get(name, "").strip()
        if raw and raw != "0":
            _seconds(name, 0.0, minimum=1, whole=True)


def hf_home() -> Path:
    """``$HF_HOME``, else ``$XDG_CACHE_HOME/huggingface``, else ``~/.cache/huggingface``."""
    env = os.environ.get("HF_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface"


def hf_hub_cache() -> Path:
    """The Hugging Face model cache: ``$HF_HUB_CACHE``, else ``HF_HOME/hub``."""
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    return Path(env).expanduser() if env else hf_home() / "hub"


def token() -> str | None:
    """The user's Hub token from the standard places, or None.

    In order: ``HF_TOKEN``, ``HUGGING_FACE_HUB_TOKEN``, the file ``$HF_TOKEN_PATH``, the file
    ``HF_HOME/token`` (written by ``hf auth login``). The value is only ever handed to the
    client; advisor never prints, logs or stores it. A token file that is not a regular
    UTF-8 file of at most ``MAX_TOKEN_BYTES`` is a ``HubSettingError`` naming it.
    """
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        value = (os.environ.get(name) or "").strip()
        if value:
            return value
    path_env = os.environ.get("HF_TOKEN_PATH")
    path = Path(path_env).expanduser() if path_env else hf_home() / "token"
    if not path.exists():
        return None
    from advisor.safefile import UnreadableFileError, read_text

    try:  # a FIFO, device, huge or binary token file is named, never waited on or read whole
        value = read_text(path, limit=MAX_TOKEN_BYTES).strip()
    except UnreadableFileError as exc:
        where = "HF_TOKEN_PATH" if path_env else "HF_HOME/token"
        raise HubSettingError(
            f"the Hub token file {path} ({where}) {exc.why}",
            "run `hf auth login` again, or point HF_TOKEN_PATH at the token file",
        ) from None
    except OSError:
        return None
    return value or None
