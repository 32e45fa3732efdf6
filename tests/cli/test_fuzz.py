"""Fuzzing: random argv for every subcommand, random Requests and random config.json files.

Whatever comes in, advisor answers with exit 0, 1 or 2; a failure ends with exactly one
``advisor: error:`` line on stderr (notes may come before it), and nothing is ever an
"internal error" or a traceback. Runs in-process (``advisor.cli.main``) with the advisor home
and HF_HOME in temporary folders (tests/conftest.py), the Hub offline, and detection replaced by
a fixed machine so each example is fast. Derandomized with bounded examples: the same inputs on
every run, about 40 s in all on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.cli import COMMANDS, build_parser, main
from advisor.errors import AdvisorError
from advisor.models.hardware import GpuInfo, Vendor
from tests.cli.test_startup import HOST

MACHINE = HOST.model_copy(
    update={"gpus": [GpuInfo(name="NVIDIA GeForce RTX 4090", vendor=Vendor.NVIDIA,
                             memory_bytes=24 * 1024**3, source="nvidia-smi", indices=[0])]}
)  # fmt: skip
"""What "detection" finds in these tests: the start-up tests' host with an RTX 4090."""

FUZZ = settings(
    max_examples=70,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALUES = [
    "0", "1", "-1", "2", "8", "5k", "1.2M", "3B", "1e300", "-1e300", "1e-12", "nan", "inf",
    "-inf", "0x10", "1_000", "99999999999999999999", "", " ", ",,,", ",", "a,b", "\n", "x\x00y",
    "\x1b[2J", "\u202e", "a" * 300, "24", "24GB", "0.5", "RTX 4090", "2x RTX 4090", "H100 x8",
    "0x H100", "x4090", "M2 Max", "chat", "translation", "asr", "en", "sw", "de,fr", "zz",
    "commercial", "any", "Apache-2.0,MIT", "llama-3.1-8b-instruct", "whisper-large-v3",
    "Qwen/Qwen2.5-0.5B", "org/" + "b" * 200, "a/b/c", "./nothing-here", "config.json", "-",
    "--", "--json", "-h", "bf16", "nf4", "gguf-q4_k_m", "gguf-", "q_proj,v_proj", "all-linear",
    "training", "qlora", "3",
]  # fmt: skip
"""Values worth trying in any position: edge numbers, odd text, and real names."""


Option = tuple[str, list[str], bool]
"""An option string, its choices, and whether it takes a value."""


def _options(parser: argparse.ArgumentParser) -> list[Option]:
    """Every optional argument of ``parser``."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or not action.option_strings:
            continue
        choices = [str(c) for c in action.choices] if action.choices else []
        takes_value = action.nargs != 0
        found += [(option, choices, takes_value) for option in action.option_strings]
    return found


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _commands() -> dict[tuple[str, ...], list[Option]]:
    """Every command path (``("catalog", "show")`` included) with its options."""
    found: dict[tuple[str, ...], list[Option]] = {}
    for name, sub in _subparsers(build_parser()).items():
        actions = _subparsers(sub)
        if actions:
            for action, leaf in actions.items():
                found[(name, action)] = _options(leaf)
        else:
            found[(name,)] = _options(sub)
    return found


COMMAND_OPTIONS = _commands()


STARTS: dict[str, list[list[str]]] = {
    "recommend": [["--task", "chat"], ["--task", "translation", "--source-lang", "en",
                  "--target-lang", "sw"], ["--task", "asr", "--data", "20", "--data-unit",
                  "hours"], ["--task", "text-classification", "--goal", "fine-tune"]],
    "tui": [["--task", "chat"], ["--task", "code"]],
    "estimate": [["llama-3.1-8b-instruct"], ["whisper-large-v3"], ["mistral-7b-v0.1",
                 "--mode", "training", "--method", "qlora"]],
    "catalog": [["llama-3.1-8b-instruct"]],
    "schema": [["hardware"]],
}  # fmt: skip
"""Valid beginnings, so that most examples get past argparse into the command itself."""


EDGES = [
    "0", "1", "-1", "0.5", "1e-12", "1e-300", "1e300", "1e400", "nan", "inf", "-0", "1e6",
    "99999999999999999999", "131073", "16385", "0.0001", "5k", "1.2M", "3B", "2T", "1.5",
    "9" * 5000, "9" * 5000 + "x H100", "H100 x" + "9" * 5000,
]  # fmt: skip
"""Numbers at and beyond the edges of what each flag accepts."""

GOOD: dict[str, list[str]] = {
    "--task": ["chat", "translation", "code", "asr", "ner", "text-classification", "tts"],
    "--data": ["0", "800", "5k", "1.2M", "3B"],
    "--gpu": ["RTX 4090", "2x RTX 4090", "8xH100", "M2 Max", "GB10", "MI300X"],
    "--gpu-count": ["1", "2", "8", "131072"],
    "--vram": ["0.5", "8", "24", "80", "16384"],
    "--ram": ["8", "64", "512"],
    "--source-lang": ["en", "sw", "de"],
    "--target-lang": ["yo", "fr", "en"],
    "--languages": ["de,fr", "en", "sw"],
    "--license": ["commercial", "any", "Apache-2.0,MIT", "llama3.1"],
    "--context": ["2048", "128k", "1M"],
    "--min-tokens-per-s": ["10", "500", "1e9"],
    "--budget": ["1", "$50", "0.01"],
    "--top": ["1", "3", "100000"],
    "--precision": ["bf16", "fp8", "nf4", "int4", "gguf-q4_k_m", "awq-int4"],
    "--seq": ["128", "4096", "1M"],
    "--gen": ["0", "512", "100k"],
    "--batch": ["1", "64", "1k"],
    "--lora-rank": ["8", "64", "4096"],
    "--lora-targets": ["all-linear", "attention", "q_proj,v_proj", "mlp"],
    "--gpus": ["1", "2", "8", "1024"],
    "--revision": ["main", "v1.0"],
    "--export": ["out", "out/sub"],
}  # fmt: skip
"""Plausible values per option, so that most runs reach the command's own checks."""


@st.composite
def _argv(draw: st.DrawFn, command: tuple[str, ...]) -> list[str]:
    options = [o for o in COMMAND_OPTIONS[command] if o[0] not in ("-h", "--help", "--version")]
    odd = st.one_of(st.sampled_from(VALUES), st.text(max_size=12))
    argv = list(command)
    starts = STARTS.get(command[0], [])
    if starts and draw(st.integers(0, 3)) > 0:
        argv += draw(st.sampled_from(starts))
    elif draw(st.booleans()):
        argv.append(draw(odd))  # a positional (MODEL, ID, ORG/NAME, PATH) or a stray word
    for _ in range(draw(st.integers(0, 4)) if options else 0):
        option, choices, takes_value = draw(st.sampled_from(options))
        argv.append(option)
        good = choices or GOOD.get(option, [])
        kind = draw(st.integers(0, 19))
        if not takes_value or kind == 0:
            continue  # a switch, or (rarely) a value left out
        if kind <= 10 and good:
            argv.append(draw(st.sampled_from(good)))
        elif kind <= 15:
            argv.append(draw(st.sampled_from(EDGES)))
        else:
            argv.append(draw(odd))
    if draw(st.integers(0, 19)) == 0:
        argv.append(draw(st.sampled_from(["--help", "--version", "--debug"])))
    return argv


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Detection answers MACHINE at once; relative paths (``--export x``) land in tmp_path."""
    monkeypatch.setattr("advisor.hardware.detect", lambda **_: MACHINE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")
    yield


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_clean_outcome(argv: list[str], code: int, err: str) -> None:
    """The contract every run keeps, whatever its input."""
    assert code in (0, 1, 2), (argv, code, err)
    assert "internal error" not in err, (argv, err)
    assert "Traceback" not in err, (argv, err)
    if code != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("advisor: error:")]
        assert len(errors) == 1, (argv, err)
        assert lines[-1] == errors[0], (argv, err)
        assert len(errors[0]) < 1000, (argv, err)  # what the user typed is quoted, shortened


def test_every_command_is_fuzzed() -> None:
    names = {path[0] for path in COMMAND_OPTIONS}
    assert names == set(COMMANDS)
    assert ("catalog", "add") in COMMAND_OPTIONS and ("catalog", "validate") in COMMAND_OPTIONS


@pytest.mark.usefixtures("machine")
@pytest.mark.parametrize("command", sorted(COMMAND_OPTIONS), ids="-".join)
def test_random_argv_gets_a_clean_answer(command: tuple[str, ...]) -> None:
    examples = 400 if command[0] in ("recommend", "estimate", "tui") else 100

    @settings(FUZZ, max_examples=examples)
    @given(argv=_argv(command))
    def check(argv: list[str]) -> None:
        code, _, err = run_cli(argv)
        assert_clean_outcome(argv, code, err)

    check()


@pytest.mark.usefixtures("machine")
def test_every_option_at_every_edge() -> None:
    """Not random: each value-taking option of each command, after a valid start, with each
    edge number (``--vram 1e-12``, ``--ram 1e300``, ``--top 99999999999999999999`` ...)."""
    problems = []
    for command, options in sorted(COMMAND_OPTIONS.items()):
        start = [*command, *STARTS.get(command[0], [[]])[0]]
        for option, choices, takes_value in options:
            if not takes_value or choices or option in ("--export", "--revision"):
                continue
            for edge in EDGES:
                argv = [*start, option, edge]
                code, _, err = run_cli(argv)
                try:
                    assert_clean_outcome(argv, code, err)
                except AssertionError:
                    problems.append(f"{' '.join(argv)} -> {code}: {err.strip()[-160:]}")
    assert problems == []


NAMES = [
    "a" * 300, "org/" + "b" * 300, "x\x00y", "\n", "", " ", "-", "a/b/c", "..", ".", "é/ü",
    "Qwen/Qwen2.5-0.5B\n", "llama-3.1-8b-instruct\n", "owner/na--me", "%s", "{}", "config.json",
    "./missing/config.json", "/dev/null",
]  # fmt: skip
"""Odd names for the positional arguments (MODEL, ID, ORG/NAME, PATH, schema NAME)."""

POSITIONAL = [["estimate"], ["catalog", "show"], ["catalog", "add"], ["catalog", "validate"],
              ["schema"], ["estimate", "--mode", "training", "--method", "lora"]]  # fmt: skip


@pytest.mark.usefixtures("machine")
def test_every_positional_with_odd_names() -> None:
    problems = []
    for start in POSITIONAL:
        for name in NAMES:
            argv = [*start, "--", name] if name.startswith("-") else [*start, name]
            code, _, err = run_cli(argv)
            try:
                assert_clean_outcome(argv, code, err)
            except AssertionError:
                problems.append(f"{argv!r} -> {code}: {err.strip()[-160:]}")
    assert problems == []


# --- Request ----------------------------------------------------------------------------------

ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=8),
    st.lists(st.text(max_size=4), max_size=3), st.sampled_from(VALUES),
)  # fmt: skip


def _mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` nine times in ten, else anything: most requests get past validation."""
    return st.integers(0, 9).flatmap(lambda k: good if k else ODD)


TASK = _mostly(
    st.sampled_from(
        [
            "chat",
            "translation",
            "asr",
            "code",
            "ner",
            "tts",
            "image-classification",
            "summarization",
            "embeddings",
        ]
    )
)
REQUEST_FIELDS = {
    "data": _mostly(st.integers(0, 10**15)),
    "data_unit": _mostly(st.sampled_from(["examples", "tokens", "hours", "images"])),
    "languages": _mostly(st.lists(st.sampled_from(["en", "de", "sw", "xx", "zh"]), max_size=3,
                                  unique=True)),
    "license": _mostly(st.sampled_from(["any", "commercial", "MIT", "Apache-2.0,MIT"])),
    "context": _mostly(st.integers(1, 10**12)),
    "min_tokens_per_s": _mostly(st.floats(1e-9, 1e12)),
    "budget_usd": _mostly(st.floats(1e-9, 1e12)),
    "goal": _mostly(st.sampled_from(["serve", "fine-tune", "both"])),
    "top": _mostly(st.integers(1, 10**6)),
}  # fmt: skip
PAIR = st.tuples(st.sampled_from(["en", "sw", "de", "zz"]), st.sampled_from(["yo", "fr", "en"]))


@settings(FUZZ, max_examples=400)
@given(
    fields=st.fixed_dictionaries({"task": TASK}, optional=REQUEST_FIELDS),
    pair=st.one_of(st.none(), PAIR),
)
def test_random_requests_are_answered_or_refused_cleanly(
    fields: dict[str, Any], pair: tuple[str, str] | None
) -> None:
    from advisor.models.base import RecordError
    from advisor.models.request import Request
    from advisor.recommend import recommend

    if pair is not None:
        fields = {**fields, "task": "translation", "source_lang": pair[0], "target_lang": pair[1]}
    try:
        request = Request.model_validate(fields)
    except (ValueError, AdvisorError):  # pydantic's ValidationError, RecordError, our checks
        return
    assert not isinstance(request, RecordError)
    try:
        report = recommend(request, MACHINE)
    except AdvisorError as exc:
        assert exc.exit_code in (1, 2)
        return
    # The library plans every model that fits; --top trims what the views show.
    assert report.ranked == len(report.recommendations)
    assert len(report.trimmed(request.top).recommendations) <= request.top


# --- config.json ------------------------------------------------------------------------------

KEYS = [
    "model_type", "architectures", "hidden_size", "num_hidden_layers", "num_attention_heads",
    "num_key_value_heads", "intermediate_size", "vocab_size", "max_position_embeddings",
    "head_dim", "tie_word_embeddings", "torch_dtype", "num_experts", "num_local_experts",
    "num_experts_per_tok", "moe_intermediate_size", "text_config", "d_model", "n_layer",
    "n_head", "encoder_layers", "decoder_layers", "quantization_config", "sliding_window",
    "rope_scaling", "hidden_act", "n_embd", "ffn_dim", "d_ff", "num_layers",
]  # fmt: skip

JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**64), 2**64), st.integers(0, 10**5),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10),
    st.sampled_from(["llama", "qwen2", "mixtral", "t5", "bert", "whisper", "bfloat16", "gptq"]),
)  # fmt: skip

CONFIGS = st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text(max_size=6)),
    st.recursive(JSON_LEAF, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ), max_leaves=8),
    max_size=12,
)  # fmt: skip

CONFIG_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "configs"
REAL_CONFIGS = sorted(CONFIG_DIR.glob("*/config.json"))
"""Real config.json files (tests/fixtures/configs/SOURCE.txt says where each is from)."""


@st.composite
def _config(draw: st.DrawFn) -> dict[str, Any]:
    """A real config.json with a few keys changed or added, or random JSON from scratch."""
    if draw(st.integers(0, 4)) == 0:
        return draw(CONFIGS)
    path = draw(st.sampled_from(REAL_CONFIGS))
    config: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    keys = sorted(config) + KEYS
    for _ in range(draw(st.integers(0, 3))):
        config[draw(st.sampled_from(keys))] = draw(JSON_LEAF)
    return config


@pytest.mark.usefixtures("machine")
@settings(FUZZ, max_examples=400)
@given(
    config=_config(),
    flags=st.lists(
        st.sampled_from(
            [["--mode", "training"], ["--method", "qlora"], ["--json"], ["--gpu", "H100"],
             ["--precision", "nf4"], ["--seq", "1M"], ["--batch", "999999"], ["--gen", "5k"],
             ["--gpus", "8"], ["--zero", "3"], ["--runtime", "vllm"], ["--cpu-only"]]
        ),
        max_size=4,
    ),
)  # fmt: skip
def test_random_config_json_is_estimated_or_refused_cleanly(
    config: dict[str, Any], flags: list[list[str]]
) -> None:
    path = Path.cwd() / "config.json"
    text = json.dumps(config, allow_nan=True)
    path.write_text(text, encoding="utf-8")
    argv = ["estimate", str(path), *[word for flag in flags for word in flag]]
    code, out, err = run_cli(argv)
    assert_clean_outcome([*argv, text], code, err)
    if code == 0 and "--json" in argv:
        doc = json.loads(out)
        total = doc["memory"]["total_bytes"]
        assert isinstance(total, int) and total >= 0 and math.isfinite(total)
