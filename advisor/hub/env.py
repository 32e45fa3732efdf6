"""Hub settings read from the environment at call time (never at import).

The variables are huggingface_hub's own, with its meaning
(https://huggingface.co/docs/huggingface_hub/package_reference/environment_variables):
``HF_ENDPOINT`` (mirrors), ``HF_HUB_OFFLINE``, ``HF_TOKEN`` (and the older
``HUGGING_FACE_HUB_TOKEN``), ``HF_TOKEN_PATH``, ``HF_HOME``, ``HF_HUB_CACHE``,
``HF_HUB_ETAG_TIMEOUT``. huggingface_hub reads most of them once, when it is imported; advisor
reads them itself on every call and hands the values to the client explicitly, so a process
(or a test) that changes them is obeyed. ``ADVISOR_HUB_TTL`` sets how long (seconds) Hub
answers are reused from advisor's cache.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT_S = 10.0
"""huggingface_hub's DEFAULT_ETAG_TIMEOUT (constants.py): seconds to wait for the Hub."""
DEFAULT_TTL_S = 24 * 3600
"""Hub facts (config, parameter counts) change rarely; a day keeps repeated estimates instant."""

_TRUE = {"1", "ON", "YES", "TRUE"}
"""Truthy spellings, as huggingface_hub's ``constants._is_true``."""


def endpoint() -> str:
    """The Hub's base URL: ``$HF_ENDPOINT`` without a trailing slash, else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` (or the older ``TRANSFORMERS_OFFLINE``) forbids the network."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.strip().upper() in _TRUE


def timeout_s() -> float:
    """Seconds to wait for one Hub answer: ``$HF_HUB_ETAG_TIMEOUT``, else 10."""
    try:
        value = float(os.environ.get("HF_HUB_ETAG_TIMEOUT", ""))
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


def ttl_s() -> float:
    """Seconds a cached Hub answer stays fresh: ``$ADVISOR_HUB_TTL``, else a day."""
    try:
        return max(float(os.environ.get("ADVISOR_HUB_TTL", "")), 0.0)
    except ValueError:
        return DEFAULT_TTL_S


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
    client; advisor never prints, logs or stores it.
    """
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        value = (os.environ.get(name) or "").strip()
        if value:
            return value
    path_env = os.environ.get("HF_TOKEN_PATH")
    path = Path(path_env).expanduser() if path_env else hf_home() / "token"
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return value or None
