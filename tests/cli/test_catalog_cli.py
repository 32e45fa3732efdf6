"""`advisor catalog list|show|validate` on a fixture catalog: output contracts and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.cli import main
from tests.catalog_support import FIXTURES, make_root


@pytest.fixture
def fixture_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the shipped catalog at the two-model fixture catalog."""
    root = make_root(tmp_path)
    monkeypatch.setattr("advisor.paths.catalog_dir", lambda: root)
    return root


def test_list_json_filters_by_task_alias(
    fixture_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "list", "--task", "llm", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc)[:2] == ["schema_version", "models"]
    (model,) = doc["models"]
    assert model["id"] == "tiny-chat"
    assert model["config"]["num_key_value_heads"] == 3  # full record, config included
    assert model["commercial_use"] is True
    assert model["quality"][0]["source"]


def test_list_table_shows_every_model(
    fixture_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "list"]) == 0
    out = capsys.readouterr().out
    assert "tiny-chat" in out and "nc-translator" in out
    assert "CC-BY-NC-4.0" in out


def test_unknown_task_is_a_usage_error(
    fixture_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "list", "--task", "dancing"]) == 2
    assert "unknown task" in capsys.readouterr().err


def test_show_json_and_text(fixture_catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "show", "nc-translator", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert next(iter(doc)) == "schema_version"
    assert doc["license"] == "CC-BY-NC-4.0"
    assert doc["commercial_use"] is False
    assert main(["catalog", "show", "tiny-chat"]) == 0
    out = capsys.readouterr().out
    assert "134,515,008" in out
    assert "HuggingFaceTB/SmolLM2-135M-Instruct" in out


def test_show_unknown_id_exits_2_with_suggestion(
    fixture_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "show", "tiny-chatt"]) == 2
    err = capsys.readouterr().err
    assert "did you mean tiny-chat" in err
    assert err.count("\n") == 1


def test_validate_faults_prints_one_line_per_problem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "validate", str(FIXTURES / "faults")]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if not x.startswith("warning: ")]
    assert len(lines) == 13  # eleven one-fault files, missing-source has two
    by_model = {line.split(": ")[1]: line for line in lines}
    assert by_model["odd-licence"].split(": ")[2] == "license"
    assert by_model["inflated"].split(": ")[0].endswith("params-off.toml")
    assert all(line.count(": ") >= 3 for line in lines)


def test_validate_clean_folder_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "validate", str(FIXTURES / "good")]) == 0
    assert capsys.readouterr().out.startswith("catalog OK: 2 models")


def test_validate_default_includes_the_user_overlay(
    fixture_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from advisor.paths import user_catalog_dir

    user_catalog_dir().mkdir(parents=True)
    (user_catalog_dir() / "mine.toml").write_text(
        (FIXTURES / "faults" / "unknown-licence.toml").read_text()
    )
    assert main(["catalog", "validate"]) == 1
    assert "mine.toml: odd-licence: license:" in capsys.readouterr().out


def test_schema_of_the_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "catalog"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "models" in schema["properties"]
