"""Throw-away catalog folders for tests: the shipped reference files plus chosen model files."""

from __future__ import annotations

import shutil
from pathlib import Path

from advisor.paths import catalog_dir

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "catalog"


def make_root(tmp: Path, *model_files: Path) -> Path:
    """A catalog folder: shipped licences/tasks/languages plus ``model_files`` under models/."""
    root = tmp / "catalog"
    (root / "models").mkdir(parents=True)
    for name in ("licenses.toml", "tasks.toml", "languages.toml"):
        shutil.copy(catalog_dir() / name, root / name)
    for path in model_files or (FIXTURES / "good" / "models" / "good.toml",):
        shutil.copy(path, root / "models" / path.name)
    return root
