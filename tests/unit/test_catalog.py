"""Loading the catalog: lookups, derived facts, user overlays, and the shipped content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.catalog import load_catalog, validate_catalog
from advisor.errors import CatalogError, UnknownLanguageError, UnknownModelError
from advisor.models.arch import ArchType
from advisor.models.catalog import Origin
from advisor.models.task import Task
from advisor.paths import user_catalog_dir
from tests.catalog_support import FIXTURES, make_root


def test_records_get_commercial_use_from_their_licence(tmp_path: Path) -> None:
    catalog = load_catalog(make_root(tmp_path), user_dir=None, use_cache=False)
    assert catalog.get("tiny-chat").commercial_use is True  # Apache-2.0
    assert catalog.get("nc-translator").commercial_use is False  # CC-BY-NC-4.0
    origin = catalog.get("tiny-chat").origin
    assert origin is not None and origin.kind is Origin.SHIPPED


def test_lookups_by_task_repo_and_metric_synonym(tmp_path: Path) -> None:
    catalog = load_catalog(make_root(tmp_path), user_dir=None, use_cache=False)
    assert [m.id for m in catalog.for_task(Task.TRANSLATION)] == ["nc-translator"]
    assert catalog.by_repo("huggingfacetb/smollm2-135m-instruct") == catalog.get("tiny-chat")
    metric = catalog.metric("MMLU")
    assert metric is not None and metric.id == "mmlu"
    wer = catalog.metric("WER")
    assert wer is not None and wer.direction == "lower"


def test_unknown_id_suggests_the_closest(tmp_path: Path) -> None:
    catalog = load_catalog(make_root(tmp_path), user_dir=None, use_cache=False)
    with pytest.raises(UnknownModelError) as info:
        catalog.get("tiny-chta")
    assert info.value.exit_code == 2
    assert "tiny-chat" in (info.value.hint or "")


def test_macrolanguage_codes_match_their_members(tmp_path: Path) -> None:
    catalog = load_catalog(make_root(tmp_path), user_dir=None, use_cache=False)
    translator = catalog.get("nc-translator")  # lists "swh" (Swahili, individual language)
    assert catalog.serves_language(translator, "sw")
    assert catalog.serves_language(translator, "SWH")
    assert not catalog.serves_language(translator, "de")
    # Egyptian Arabic is Arabic, but not Moroccan Arabic
    assert "ar" in catalog.language_variants("arz")
    assert "ary" not in catalog.language_variants("arz")
    with pytest.raises(UnknownLanguageError):
        catalog.language("xx")


def test_arch_comes_from_the_config_or_from_params(tmp_path: Path) -> None:
    catalog = load_catalog(make_root(tmp_path), user_dir=None, use_cache=False)
    tiny = catalog.get("tiny-chat").arch()
    assert tiny.params_total == 134_515_008  # hand count in the fixture file
    assert tiny.num_key_value_heads == 3
    translator = catalog.get("nc-translator").arch()
    assert translator.params_total == 600_000_000
    assert translator.arch_type is ArchType.ENCODER_DECODER
    assert translator.num_layers is None  # nothing invented


def test_broken_file_stops_the_load_with_one_line(tmp_path: Path) -> None:
    root = make_root(tmp_path, FIXTURES / "faults" / "unknown-licence.toml")
    with pytest.raises(CatalogError) as info:
        load_catalog(root, user_dir=None, use_cache=False)
    line = info.value.one_line()
    assert "\n" not in line
    assert "unknown-licence.toml: odd-licence: license" in line


def test_user_overlay_adds_and_replaces_records(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    user = user_catalog_dir()
    user.mkdir(parents=True)
    shutil.copy(FIXTURES / "user" / "override.toml", user / "override.toml")
    catalog = load_catalog(root, use_cache=False)
    replaced = catalog.get("nc-translator")
    assert replaced.commercial_use is True  # the user's record says Apache-2.0
    assert replaced.origin is not None
    assert replaced.origin.kind is Origin.USER
    assert (replaced.origin.overrides or "").endswith("good.toml")
    assert catalog.get("my-classifier").origin is not None
    assert len(catalog.models) == 3
    assert any("nc-translator" in note for note in catalog.notes)
    assert (
        load_catalog(root, user_dir=None, use_cache=False).get("nc-translator").commercial_use
        is False
    )


def test_broken_user_overlay_names_the_user_file(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    user = user_catalog_dir()
    user.mkdir(parents=True)
    shutil.copy(FIXTURES / "faults" / "bad-language.toml", user / "mine.toml")
    with pytest.raises(CatalogError, match=r"mine\.toml: polyglot: languages\.1"):
        load_catalog(root, use_cache=False)
    problems = validate_catalog(root)
    assert [p.model for p in problems if p.severity == "error"] == ["polyglot"]


def test_duplicate_inside_the_user_overlay_is_an_error(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    user = user_catalog_dir()
    user.mkdir(parents=True)
    shutil.copy(FIXTURES / "user" / "override.toml", user / "a.toml")
    shutil.copy(FIXTURES / "user" / "override.toml", user / "b.toml")
    with pytest.raises(CatalogError, match="duplicate id"):
        load_catalog(root, use_cache=False)


# ---------------------------------------------------------------- the shipped catalog


def test_shipped_catalog_validates_without_errors() -> None:
    errors = [p.line() for p in validate_catalog(user_dir=None) if p.severity == "error"]
    assert errors == []


def test_every_task_has_task_knowledge_and_a_model() -> None:
    catalog = load_catalog(user_dir=None, use_cache=False)
    for task in Task:
        info = catalog.task_info(task)
        assert info is not None, task
        assert all(catalog.metric(name) is not None for name in info.metrics), task
        assert catalog.for_task(task), f"no catalog model serves {task.value}"


def test_shipped_task_knowledge_matches_the_field() -> None:
    catalog = load_catalog(user_dir=None, use_cache=False)
    asr = catalog.task_info(Task.SPEECH_RECOGNITION)
    assert asr is not None and asr.data_unit == "hours"
    first = catalog.metric(asr.metrics[0])
    assert first is not None and first.direction == "lower"  # word error rate
    qa = catalog.task_info(Task.QUESTION_ANSWERING)
    assert qa is not None and qa.knowledge_heavy
    images = catalog.task_info(Task.OBJECT_DETECTION)
    assert images is not None and images.data_unit == "images"


def test_shipped_translation_models_reach_swahili() -> None:
    catalog = load_catalog(user_dir=None, use_cache=False)
    translators = catalog.for_task(Task.TRANSLATION)
    assert any(catalog.serves_language(m, "sw") for m in translators)
