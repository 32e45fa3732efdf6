"""The recommender: filter → fit → strategy → settings → rank → explain.

``recommend(request, hardware=None, catalog=None) -> Report`` answers a ``Request`` for the
given hardware (``None``: detect this machine) and catalog (``None``: the shipped one plus the
user overlay). It never prints. Invalid requests (unknown language or licence id, a context no
model of the task reaches) raise ``UsageError``; a valid request that nothing satisfies is an
answer: a report with no recommendations and every candidate in ``excluded`` with its reason.

This package is also callable as ``advisor.recommend(request, ...)``: importing the subpackage
replaces the lazy ``advisor.recommend`` attribute with the module, so the module forwards calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor._callable import make_module_callable
from advisor.models.request import Goal, Request

if TYPE_CHECKING:
    from advisor.catalog.store import Catalog
    from advisor.models.hardware import HardwareProfile
    from advisor.models.report import Report

__all__ = ["Goal", "Request", "recommend"]


def recommend(
    request: Request,
    hardware: HardwareProfile | None = None,
    catalog: Catalog | None = None,
) -> Report:
    """Rank the catalog's models for ``request`` on ``hardware`` (see the module docstring)."""
    from advisor.recommend.pipeline import run

    if catalog is None:
        from advisor.catalog import load_catalog

        catalog = load_catalog()
    if hardware is None:
        from advisor.hardware import detect

        hardware = detect()
    return run(request, hardware, catalog)


make_module_callable(__name__, recommend)
