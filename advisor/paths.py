"""Where advisor reads and writes: the shipped catalog and the user's advisor home.

``ADVISOR_HOME`` relocates the home (tests point it at a temporary folder so they never touch
the real one). Nothing here creates folders at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def catalog_dir() -> Path:
    """The shipped catalog: ``advisor/_catalog`` in a wheel, ``catalog/`` in a source tree."""
    bundled = _PACKAGE / "_catalog"
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / "catalog"


def advisor_home() -> Path:
    """The user's advisor folder: ``$ADVISOR_HOME``, else ``~/.advisor``."""
    env = os.environ.get("ADVISOR_HOME")
    return Path(env).expanduser() if env else Path.home() / ".advisor"


def user_catalog_dir() -> Path:
    """User overlay of the catalog (models added or overridden by the user)."""
    return advisor_home() / "catalog"


def cache_dir() -> Path:
    """Caches advisor may delete at any time (parsed catalog, Hub answers)."""
    return advisor_home() / "cache"
