"""Let a subpackage that shares its name with a public function be called like that function.

``advisor.recommend`` and ``advisor.estimate`` are both public functions (``advisor.recommend(
request)``) and subpackages (``advisor.recommend.fit``). Importing a subpackage makes Python set
the package attribute to the module, replacing the lazily imported function; making the module
callable keeps ``advisor.recommend(...)`` working either way.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any


def make_module_callable(module_name: str, func: Callable[..., Any]) -> None:
    """Calls on module ``module_name`` go to ``func``."""

    class _CallableModule(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

    _CallableModule.__doc__ = f"Module {module_name}, callable as {func.__qualname__}."
    sys.modules[module_name].__class__ = _CallableModule
