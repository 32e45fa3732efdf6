"""What the CLI shows of GPU prices: ``advisor gpus`` and the price ``--budget`` costs use."""

from __future__ import annotations

import json

import pytest

from advisor.cli import main
from advisor.gpus import find_gpu

NEW = ("b300", "gb300", "rtx-pro-6000-blackwell", "mi355x", "rtx-5070-ti", "apple-m5", "h800-sxm")
FINE_TUNE = ["recommend", "--task", "chat", "--data", "5k", "--goal", "fine-tune"]


def test_gpus_json_shows_price_provider_date_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gpus", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {g["id"]: g for g in doc["gpus"]}
    assert set(NEW) <= set(rows)
    h100 = rows["h100-sxm"]
    assert h100["hourly_usd"] > 0
    assert h100["price_provider"] and h100["price_source"].startswith("https://")
    assert len(h100["price_date"]) == 10 and h100["price_date"].startswith("20")
    assert rows["apple-m5"]["hourly_usd"] is None and rows["apple-m5"]["price_date"] is None


def test_gpus_lists_the_new_parts_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gpus", "--vendor", "amd"]) == 0
    out = capsys.readouterr().out
    assert "MI355X" in out and "R9700" in out


def test_recommend_budget_states_the_price_it_used(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*FINE_TUNE, "--gpu", "H100", "--budget", "100", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    spec = find_gpu("H100")
    assert spec.hourly_usd is not None and spec.price_date is not None
    stated = [a for a in doc["assumptions"] if a.startswith("cost at ")]
    assert len(stated) == 1
    assert f"${spec.hourly_usd:.2f}/GPU-hour" in stated[0]
    assert str(spec.price_provider) in stated[0] and spec.price_date.isoformat() in stated[0]
    # ... and it is the price the costs were computed with (one GPU: hours × price).
    costed = [r["fine_tuning"] for r in doc["recommendations"] if r["fine_tuning"]]
    assert costed
    for ft in costed:
        if ft["cost_usd_per_epoch"] is not None:
            expected = ft["hours_per_epoch"] * spec.hourly_usd
            assert ft["cost_usd_per_epoch"] == pytest.approx(expected, rel=0.01)


def test_recommend_text_prints_the_price_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*FINE_TUNE, "--gpu", "H200", "--budget", "100"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    spec = find_gpu("H200")
    assert f"Costs at ${spec.hourly_usd:.2f}/GPU-hour, {spec.price_provider}" in out


def test_recommend_on_an_unpriced_gpu_states_no_price(capsys: pytest.CaptureFixture[str]) -> None:
    assert find_gpu("RTX 3090").hourly_usd is None
    assert main([*FINE_TUNE, "--gpu", "RTX 3090", "--budget", "100", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert not any(a.startswith("cost at ") for a in doc["assumptions"])
    assert any("no known hourly price" in w for w in doc["warnings"])


def test_recommend_text_shows_cents_for_an_epoch_under_a_dollar(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 20-minute epoch on a $0.74/h card costs cents: the table says $0.25, not $0."""
    monkeypatch.setenv("COLUMNS", "300")
    args = ["recommend", "--task", "chat", "--data", "10000", "--gpu", "RTX 4090", "--ram", "64"]
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    cheap = [
        r["fine_tuning"]["cost_usd_per_epoch"]
        for r in doc["recommendations"][:5]
        if r["fine_tuning"] and r["fine_tuning"]["cost_usd_per_epoch"] is not None
    ]
    assert cheap and min(cheap) < 1
    assert main(args) == 0
    out = "".join(capsys.readouterr().out.split())
    assert f"${min(cheap):,.2f}/ep" in out
    assert "$0/ep" not in out
