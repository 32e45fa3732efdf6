"""advisor: which model for this task, can this hardware serve and fine-tune it, and how.

The library is the product; the CLI and the TUI are views over it. Public names are imported
on first use, so ``import advisor`` stays cheap and never pulls in textual or rich::

    from advisor import detect_hardware, load_catalog, estimate, recommend
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from advisor.__about__ import __version__

if TYPE_CHECKING:
    from advisor.catalog import load_catalog
    from advisor.estimate import estimate
    from advisor.estimate.config import (
        arch_from_config,
        load_config,
    )
    from advisor.gpus import find_gpu, load_gpus
    from advisor.hardware import detect as detect_hardware
    from advisor.models.task import Task, parse_task
    from advisor.recommend import recommend
    from advisor.whatif import WhatIf, apply_whatif

_LAZY: dict[str, tuple[str, str]] = {
    "detect_hardware": ("advisor.hardware", "detect"),
    "load_catalog": ("advisor.catalog", "load_catalog"),
    "estimate": ("advisor.estimate", "estimate"),
    "arch_from_config": ("advisor.estimate.config", "arch_from_config"),
    "load_config": ("advisor.estimate.config", "load_config"),
    "recommend": ("advisor.recommend", "recommend"),
    "find_gpu": ("advisor.gpus", "find_gpu"),
    "load_gpus": ("advisor.gpus", "load_gpus"),
    "WhatIf": ("advisor.whatif", "WhatIf"),
    "apply_whatif": ("advisor.whatif", "apply_whatif"),
    "Task": ("advisor.models.task", "Task"),
    "parse_task": ("advisor.models.task", "parse_task"),
}

__all__ = [
    "Task",
    "WhatIf",
    "__version__",
    "apply_whatif",
    "arch_from_config",
    "detect_hardware",
    "estimate",
    "find_gpu",
    "load_catalog",
    "load_config",
    "load_gpus",
    "parse_task",
    "recommend",
]


def __getattr__(name: str) -> Any:
    """Import public names on first access (PEP 562)."""
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'advisor' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
