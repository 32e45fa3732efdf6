"""Every command the README and `--help` epilogs show actually runs.

The examples are what a new user copies first; a renamed flag or catalog id must break a
test, not the user's first try. Placeholders (``path/to/config.json``, ``~/my-models.toml``)
are replaced by real files. Under pytest stdout is not a terminal, so ``advisor tui ...`` prints
the report instead of opening the app, which is what it must do in a pipe.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from advisor.cli import COMMANDS, build_parser, main

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "tests" / "fixtures" / "configs" / "meta-llama__Llama-2-7b-hf" / "config.json"
OVERLAY = REPO / "catalog" / "models" / "phi.toml"
HUB_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("advisor ") and line != "advisor":
                commands.append(line)
    return commands


def _help_commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = []
    for name in COMMANDS:
        epilog = sub.choices[name].epilog or ""
        commands += [ln.strip() for ln in epilog.splitlines() if ln.strip().startswith("advisor ")]
    return commands


def _argv(command: str, tmp_path: Path) -> list[str]:
    command = command.replace("path/to/config.json", str(CONFIG))
    command = command.replace("./my-model/config.json", str(CONFIG))
    command = command.replace("~/my-models.toml", str(OVERLAY))
    command = command.replace("./run", str(tmp_path / "run"))
    return shlex.split(command)[1:]


@pytest.mark.parametrize("command", sorted(set(_readme_commands() + _help_commands())))
def test_documented_command_runs(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _argv(command, tmp_path)
    assert "--help" not in argv, "documented examples should do something"
    code = main(argv)
    captured = capsys.readouterr()
    if code != 0 and (any(HUB_REPO.match(a) for a in argv) or argv[:2] == ["catalog", "refresh"]):
        # Tests run offline (HF_HUB_OFFLINE=1): the flags must parse and the command must say
        # in one line that it needs the Hub; tests/hub runs these against a local fake Hub.
        assert code == 1, f"{command!r} exited {code}: {captured.err.strip()}"
        assert "offline" in captured.err
        return
    assert code == 0, f"{command!r} exited {code}: {captured.err.strip()}"
    assert captured.out.strip(), f"{command!r} printed nothing"


def test_there_are_examples_for_every_command() -> None:
    helps = _help_commands()
    for name in ("hardware", "estimate", "recommend", "catalog", "gpus", "schema"):
        assert any(c.startswith(f"advisor {name}") for c in helps), name


def test_readme_python_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The library example in the README runs as written and prints what it promises."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README shows the library"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})
    out = capsys.readouterr().out.split()
    assert out, "the example prints its results"
