"""Speed as value + unit and quality's scored/basis reach the JSON document and its schema."""

from __future__ import annotations

import json

import pytest

from advisor.cli import main


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main([*args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("task", "unit"),
    [
        ("chat", "tokens/s"),
        ("speech-recognition", "x real-time"),
        ("object-detection", "images/s"),
        ("image-generation", "s/image"),
        ("text-to-speech", "x real-time"),
    ],
)
def test_each_task_reports_speed_in_its_own_unit(
    capsys: pytest.CaptureFixture[str], task: str, unit: str
) -> None:
    doc = _json(capsys, "recommend", "--task", task, "--gpu", "A100 80GB", "--ram", "64", "--json")
    for rec in doc["recommendations"]:
        inf = rec["inference"]
        assert inf["speed_unit"] == unit
        assert inf["engine"]
        if inf["speed_value"] is None:
            assert "not estimated" in inf["speed_basis"]
        else:
            assert inf["speed_value"] > 0
        assert isinstance(rec["quality"]["scored"], bool)


def test_schema_lists_the_new_fields(capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps(_json(capsys, "schema", "recommend"))
    for key in ("speed_value", "speed_unit", "speed_basis", "engine", "native_format", "scored"):
        assert f'"{key}"' in text
