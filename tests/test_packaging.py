"""A non-editable install works from any folder and carries the curated catalog inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("advisor-*.whl")
    return built


def test_wheel_ships_catalog_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "advisor/py.typed" in names
    assert "advisor/_catalog/gpus.toml" in names
    assert "advisor/_catalog/licenses.toml" in names
    assert any(n.startswith("advisor/_catalog/models/") and n.endswith(".toml") for n in names)


def test_installed_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = (
        "import json, advisor, advisor.paths as p;"
        "print(json.dumps([advisor.__file__, str(p.catalog_dir())]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, catalog = json.loads(out.stdout)
    assert Path(module_file).is_relative_to(site)
    assert Path(catalog) == site / "advisor" / "_catalog"
    hw = subprocess.run(
        [sys.executable, "-m", "advisor", "hardware", "--json", "--gpu", "2x RTX 4090"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(hw.stdout)["gpus"][0]["count"] == 2
