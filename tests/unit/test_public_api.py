"""`from advisor import ...` offers what the README promises, and each name is the real thing."""

from __future__ import annotations

import importlib

import advisor


def test_every_public_name_resolves() -> None:
    for name in advisor.__all__:
        assert getattr(advisor, name) is not None, name
    assert set(advisor.__all__) - {"__version__"} == set(advisor._LAZY)


def test_functions_stay_callable_after_their_subpackages_are_imported() -> None:
    importlib.import_module("advisor.estimate.memory")
    importlib.import_module("advisor.recommend.fit")
    assert callable(advisor.estimate)
    assert callable(advisor.recommend)
