#!/usr/bin/env python3
"""Run every check the project has, the same way locally and in CI.

ruff (lint + format), mypy (strict), the import-boundary check, then pytest. Stops at the
first failing step and exits with its status. Extra arguments go to pytest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

STEPS: list[tuple[str, list[str]]] = [
    ("ruff check", [str(BIN / "ruff"), "check", "."]),
    ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
    ("mypy", [sys.executable, "-m", "mypy"]),
    ("pytest", [sys.executable, "-m", "pytest", "-q", "-n", "2", *sys.argv[1:]]),
]


def main() -> int:
    for name, cmd in STEPS:
        print(f"==> {name}", flush=True)
        code = subprocess.call(cmd, cwd=ROOT)
        if code != 0:
            print(f"==> {name} failed (exit {code})", flush=True)
            return code
    print("==> all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
