"""The curated catalog: load it (shipped + user overlay), look models up, validate files.

``load_catalog()`` runs at every advisor start: it reads the shipped catalog
(``advisor.paths.catalog_dir()``) and the user's overlay (``advisor.paths.user_catalog_dir()``),
checks them, and raises ``CatalogError`` with one line when something is broken. The result is
cached (see ``advisor.catalog.cache``), so a warm start parses no TOML.

``validate_catalog(path)`` runs every check, including the parameter arithmetic (stated params
against the count derived from ``[models.config]``, ±2 %), and returns the problems instead of
raising.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from advisor.catalog.store import Catalog
from advisor.errors import CatalogError
from advisor.models.catalog import Problem

__all__ = ["Catalog", "Problem", "check_catalog", "load_catalog", "validate_catalog"]


class _Default:
    """Marker: use ``advisor.paths.user_catalog_dir()``."""


DEFAULT_USER_DIR: Final = _Default()


def _user(user_dir: Path | _Default | None) -> Path | None:
    if isinstance(user_dir, _Default):
        from advisor.paths import user_catalog_dir

        return user_catalog_dir()
    return user_dir


def load_catalog(
    path: Path | None = None,
    *,
    user_dir: Path | _Default | None = DEFAULT_USER_DIR,
    use_cache: bool = True,
) -> Catalog:
    """The catalog at ``path`` (default: the shipped one) with the user overlay applied.

    ``user_dir=None`` skips the overlay. Raises ``CatalogError`` naming the first problem when a
    file does not parse or a record is invalid (unknown licence, language or metric, duplicate
    id); notes (what could not be checked) never stop a load.
    """
    from advisor.catalog import cache
    from advisor.catalog.load import build, sources_for
    from advisor.paths import cache_dir, catalog_dir

    root = catalog_dir() if path is None else path
    if not root.exists():
        raise CatalogError(f"catalog not found at {root}", "pass a catalog folder or .toml file")
    sources = sources_for(root, _user(user_dir))
    key = cache.cache_key(sources.files()) if use_cache else ""
    if key:
        cached = cache.read(cache_dir(), key)
        if cached is not None:
            return cached
    catalog, problems = build(sources)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        more = f"{len(errors) - 1} more; " if len(errors) > 1 else ""
        raise CatalogError(
            f"catalog problem: {errors[0].line()}",
            f"{more}run `advisor catalog validate` to list every problem",
        )
    if key:
        cache.write(cache_dir(), key, catalog)
    return catalog


def validate_catalog(
    path: Path | None = None, *, user_dir: Path | _Default | None = DEFAULT_USER_DIR
) -> list[Problem]:
    """Every problem (errors and notes) in the catalog at ``path`` and the user overlay.

    ``path`` is a catalog folder (``models/*.toml`` and optional reference files) or a single
    model file; ``None`` means the shipped catalog. Pass ``user_dir=None`` to leave the overlay
    out. Raises ``CatalogError`` only when ``path`` does not exist.
    """
    return _check(path, _user(user_dir))[1]


def check_catalog(path: Path | None = None, *, with_user: bool = True) -> tuple[int, list[Problem]]:
    """``validate_catalog`` plus the number of models that loaded (for ``catalog OK: N``)."""
    from advisor.paths import user_catalog_dir

    return _check(path, user_catalog_dir() if with_user else None)


def _check(path: Path | None, user_dir: Path | None) -> tuple[int, list[Problem]]:
    from advisor.catalog.load import build, sources_for
    from advisor.errors import InvalidValueError, shorten
    from advisor.paths import catalog_dir

    root = catalog_dir() if path is None else path
    try:
        found = root.exists()
    except (OSError, ValueError) as exc:  # a name no file system takes (too long, a NUL byte)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidValueError(
            f"cannot use {shorten(str(root), 60)!r} as a catalog path ({why})",
            "pass a catalog folder or a .toml file",
        ) from None
    if not found:
        raise InvalidValueError(
            f"no such catalog file or folder: {root}", "pass a catalog folder or a .toml file"
        )
    catalog, problems = build(sources_for(root, user_dir), arithmetic=True)
    return len(catalog.models), problems
