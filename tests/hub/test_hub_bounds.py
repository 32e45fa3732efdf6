"""Every Hub fault is bounded: time (one deadline per command), bytes (caps per file, ranged
reads that stop after the header) and requests (shards read). The fake Hub plays the faults."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from advisor.hub import errors as hub_errors
from advisor.hub import hub_model
from advisor.hub.env import HubSettingError
from advisor.hub.spinner import waiting
from tests.hub.fakehub import FakeFile, FakeHub, FakeRepo
from tests.hub.models import QWEN_PARAMS, QWEN_REPO, TINY_CONFIG

MiB = 1 << 20


@contextmanager
def within(seconds: float) -> Iterator[None]:
    start = time.monotonic()
    yield
    took = time.monotonic() - start
    assert took < seconds, f"took {took:.2f} s"


def test_a_hung_config_ends_at_the_deadline(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: huggingface_hub's five retries times advisor's own took 13 minutes here.
    monkeypatch.setenv("ADVISOR_HUB_DEADLINE", "0.6")
    fake_hub.hang = ("config.json",)
    with within(1.5), pytest.raises(hub_errors.HubTimeout) as err:
        hub_model(QWEN_REPO)
    assert "0.6 s deadline" in err.value.one_line() and "--timeout" in err.value.one_line()


def test_the_deadline_covers_all_requests_of_a_look_up(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_HUB_DEADLINE", "0.5")
    fake_hub.delay_s = 0.2  # each request answers in time; the three together do not
    with within(1.2), pytest.raises(hub_errors.HubTimeout):
        hub_model(QWEN_REPO)
    assert 2 <= len(fake_hub.requests) <= 3  # the last one is not even sent once time is up


def test_a_server_ignoring_range_sends_no_weights(fake_hub: FakeHub) -> None:
    fake_hub.ignore_range = True
    size = fake_hub.repos[QWEN_REPO].files["model.safetensors"].total
    assert size > 900 * MiB
    with within(3.0):
        model = hub_model(QWEN_REPO)
    assert model.params == QWEN_PARAMS  # the header is read from the start of the stream
    assert fake_hub.sent_bytes < 64 * MiB  # what the sockets buffered before the close


def test_a_trickling_body_is_cut_off(fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 1 byte/s took 54 s (each byte reset the read timeout). Here each byte comes well
    # within the read timeout, so only the limit on the whole answer can stop it.
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "1")
    fake_hub.slow = {"config.json": 4.0}  # a byte each 0.25 s: never a read timeout
    with within(2.0), pytest.raises(hub_errors.HubUnreachable) as err:
        hub_model(QWEN_REPO)
    assert "config.json did not arrive within 1 s" in err.value.one_line()


def test_a_huge_config_is_refused_after_its_cap(fake_hub: FakeHub) -> None:
    fake_hub.add(FakeRepo("evil/huge-config", {
        "config.json": FakeFile(b'{"model_type": "llama", "pad": "', size=200 * MiB),
    }))  # fmt: skip
    with within(3.0), pytest.raises(hub_errors.TooLarge) as err:
        hub_model("evil/huge-config")
    assert "config.json is larger than the 4,096 KiB" in err.value.one_line()
    assert fake_hub.sent_bytes < 40 * MiB


def test_a_huge_index_is_not_read_shard_by_shard(fake_hub: FakeHub) -> None:
    index = {"weight_map": {f"t{i}": f"model-{i:05d}-of-05000.safetensors" for i in range(5000)}}
    fake_hub.add(FakeRepo(
        "evil/many-shards",
        {"config.json": FakeFile(json.dumps(TINY_CONFIG).encode()),
         "model.safetensors.index.json": FakeFile(json.dumps(index).encode())},
        info={"safetensors": {"parameters": {"BF16": 1234}, "total": 1234}},
    ))  # fmt: skip
    model = hub_model("evil/many-shards")
    assert len(fake_hub.requests) == 3  # info, config, index: not 5,003
    assert model.params == 1234 and model.params_source == "hub-api"
    assert any("5,000 shards" in n for n in model.notes)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HF_HUB_ETAG_TIMEOUT", "0.001"),
        ("HF_HUB_ETAG_TIMEOUT", "ten"),
        ("HF_ENDPOINT", "not a url"),
        ("HF_ENDPOINT", "ftp://example.org"),
        ("ADVISOR_HUB_TTL", "-5"),
        ("ADVISOR_HUB_DEADLINE", "nan"),
        ("ADVISOR_HUB_DEADLINE", "0"),
        ("HF_HUB_DOWNLOAD_TIMEOUT", "2.5"),
    ],
)
def test_unusable_settings_are_usage_errors(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(HubSettingError) as err:
        hub_model(QWEN_REPO)
    assert err.value.exit_code == 2
    assert err.value.one_line().startswith(f"{name}=") and f"set {name} to" in err.value.one_line()
    assert fake_hub.requests == []


def test_a_fractional_etag_timeout_is_one_line_in_a_fresh_process(tmp_path: object) -> None:
    # huggingface_hub cannot even be imported with it (int("0.001")): advisor says so first.
    env = {"HF_HUB_ETAG_TIMEOUT": "0.001", "ADVISOR_HOME": str(tmp_path), "PATH": "/usr/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "advisor", "estimate", "Qwen/Qwen2.5-0.5B"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "advisor: error: HF_HUB_ETAG_TIMEOUT='0.001' is not whole seconds from 1 to 86400 "
        "(set HF_HUB_ETAG_TIMEOUT to whole seconds from 1 to 86400, or unset it for the default)"
    ]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_spinner_shows_on_a_terminal_while_waiting() -> None:
    screen = _Tty()
    with waiting("reading x/y from the Hub", stream=screen):
        time.sleep(0.8)
    text = screen.getvalue()
    assert "reading x/y from the Hub" in text
    assert text.endswith("\r\x1b[K")  # the line is cleared when the answer came


def test_no_spinner_for_quick_answers_or_pipes() -> None:
    screen, pipe = _Tty(), io.StringIO()
    with waiting("quick", stream=screen):
        pass
    with waiting("slow", stream=pipe):
        time.sleep(0.7)
    assert screen.getvalue() == "" and pipe.getvalue() == ""


def test_a_slow_look_up_shows_the_spinner_on_a_terminal(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = _Tty()
    monkeypatch.setattr(sys, "stderr", screen)
    fake_hub.delay_s = 0.25  # three requests: 0.75 s in all
    hub_model(QWEN_REPO)
    import re

    assert re.search(rf"reading {QWEN_REPO} from the Hub \(\d+\.\d s\)", screen.getvalue())
    assert screen.getvalue().endswith("\r\x1b[K")


def test_oversized_answers_are_not_cached() -> None:
    from advisor.hub import cache
    from advisor.hub.types import HubModel

    big = HubModel(repo_id="o/big", endpoint="https://hub.example", config={"pad": "x" * (9 * MiB)})
    small = HubModel(repo_id="o/small", endpoint="https://hub.example", config={"pad": "x"})
    assert cache.write(big) is False and cache.write(small) is True
    assert not cache.entry_path(big.endpoint, big.repo_id, None).exists()
    assert cache.read(small.endpoint, small.repo_id, None, max_age_s=None) is not None


@pytest.mark.parametrize(
    "info",
    [{"siblings": "x"}, {"cardData": "s"}, {"tags": 5}, {"id": 5}, {"sha": 7}, {"gguf": "s"}],
)
def test_a_malformed_model_info_is_one_error(fake_hub: FakeHub, info: dict[str, object]) -> None:
    fake_hub.add(FakeRepo("evil/info", {"config.json": FakeFile(b"{}")}, info=info))
    with pytest.raises(hub_errors.MalformedConfig) as err:
        hub_model("evil/info")
    assert "the Hub's model info" in err.value.one_line()
