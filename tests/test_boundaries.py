"""The library never drags in the UI stack; the CLI starts without it on --json paths."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

UI_MODULES = ("textual", "rich")


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import advisor",
        "import advisor.models, advisor.errors, advisor.units, advisor.paths",
        "import advisor.hardware, advisor.gpus, advisor.whatif",
        "import advisor.estimate, advisor.catalog",
        "import advisor; advisor.load_catalog(); advisor.detect_hardware()",
    ],
)
def test_library_imports_no_ui_toolkit(code: str) -> None:
    loaded = _loaded_after(code)
    offenders = sorted(m for m in loaded if m.split(".")[0] in UI_MODULES)
    assert offenders == [], f"{code!r} imported {offenders}"


def test_json_cli_path_does_not_import_rich() -> None:
    code = (
        "import io, contextlib\n"
        "from advisor.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    main(['hardware', '--json', '--cpu-only'])\n"
    )
    loaded = _loaded_after(code)
    assert not any(m.split(".")[0] in UI_MODULES for m in loaded)
    assert "huggingface_hub" not in loaded
