"""Records (``advisor.models.base.Frozen``): what library users and the JSON edge rely on.

Construction checks what the fields declare; records cannot be changed, compare and hash by
value, copy, pickle and dump like the pydantic models they replace; untrusted data goes through
pydantic (``model_validate``) and comes back as records.
"""

from __future__ import annotations

import json
import pickle
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from advisor.errors import InvalidValueError
from advisor.models.base import Field, Frozen, RecordError, field_check, model_check
from advisor.models.catalog import ModelRecord, QualitySignal
from advisor.models.estimate import EstimateSetup, Method, Mode, Precision
from advisor.models.hardware import CpuInfo, GpuInfo, HardwareProfile, Vendor
from advisor.models.policy import LoraSettings
from advisor.models.report import Report
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.whatif import WhatIf, apply_whatif


class Box(Frozen):
    """A test record: one required field, bounds, a default factory, a field and a model check."""

    name: str
    size: int = Field(default=1, ge=1, description="Edge length.")
    tags: list[str] = Field(default_factory=list, max_length=2)
    task: Task | None = None

    @field_check("name")
    @staticmethod
    def _lowercase(value: str) -> None:
        if value != value.lower():
            raise ValueError("must be lowercase")

    @model_check
    def _small_named(self) -> None:
        if self.size > 10 and self.name == "tiny":
            raise ValueError("a tiny box is at most 10")


def _record(**overrides: Any) -> ModelRecord:
    values: dict[str, Any] = {
        "id": "demo-1b",
        "hf_repo": "org/demo-1b",
        "name": "Demo 1B",
        "family": "demo",
        "tasks": [Task.CHAT],
        "architecture": "decoder",
        "params": 1_000_000_000,
        "license": "Apache-2.0",
        "source": "https://example.org/demo",
        "release_date": date(2024, 5, 1),
        "quality": [QualitySignal(metric="mmlu", value=40.5, benchmark="5-shot", source="s")],
    }
    values.update(overrides)
    return ModelRecord(**values)


# -- construction ------------------------------------------------------------------------------


def test_defaults_fill_in_and_each_record_gets_its_own_list() -> None:
    a, b = Box(name="a"), Box(name="b")
    assert (a.size, a.tags, a.task) == (1, [], None)
    assert a.tags is not b.tags


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "missing field(s) name"),
        ({"name": "a", "colour": "red"}, "unknown field(s) colour"),
        ({"name": "a", "size": 0}, "Box.size must be >= 1, got 0"),
        ({"name": "a", "tags": ["x", "y", "z"]}, "Box.tags must hold at most 2 items"),
        ({"name": "a", "task": "painting"}, "Box.task: 'painting' is not one of chat"),
    ],
)
def test_construction_rejects_what_the_fields_do_not_allow(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(RecordError) as caught:
        Box(**values)
    assert message in str(caught.value)


def test_field_and_model_checks_run_on_construction() -> None:
    with pytest.raises(ValueError, match="must be lowercase"):
        Box(name="Loud")
    with pytest.raises(ValueError, match="at most 10"):
        Box(name="tiny", size=11)
    assert Box(name="big", size=11).size == 11


def test_enum_values_become_members_ints_in_float_fields_floats_nothing_else_changes() -> None:
    request = Request(task="translation", source_lang="en", target_lang="de", goal="serve")  # type: ignore[arg-type]  # what an untyped caller passes
    assert request.task is Task.TRANSLATION and request.goal is Goal.SERVE
    record = _record(tasks=["chat", "code"])
    assert record.tasks == [Task.CHAT, Task.CODE]
    assert _record(params=5).params == 5
    assert _record(context_length=4096).context_length == 4096
    speed = Request(task=Task.CHAT, min_tokens_per_s=30).min_tokens_per_s
    assert type(speed) is float and speed == 30.0  # a float field holds a float
    assert Request(task=Task.CHAT, languages=["en"]).languages == ["en"]


def test_a_requests_own_rules_raise_advisor_errors() -> None:
    with pytest.raises(InvalidValueError, match="--data must not be negative"):
        Request(task=Task.CHAT, data=-1)
    with pytest.raises(InvalidValueError, match="QLoRA needs a 4-bit base"):
        EstimateSetup(mode=Mode.TRAINING, method=Method.QLORA, precision=Precision.BF16)


# -- immutability, value semantics ---------------------------------------------------------------


def test_records_cannot_be_changed() -> None:
    box = Box(name="a")
    with pytest.raises(AttributeError, match="frozen"):
        box.size = 2  # type: ignore[misc]  # the point of the test
    with pytest.raises(AttributeError):
        del box.name
    assert box.size == 1


def test_equal_values_are_equal_records_and_hash_alike() -> None:
    a = LoraSettings(rank=8, alpha=16, dropout=0.05, targets="all-linear")
    b = LoraSettings(rank=8, alpha=16, dropout=0.05, targets="all-linear")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != a.model_copy(update={"rank": 16})
    assert repr(a) == "LoraSettings(rank=8, alpha=16, dropout=0.05, targets='all-linear')"


def test_model_copy_replaces_fields_and_refuses_unknown_ones() -> None:
    box = Box(name="a", tags=["x"])
    bigger = box.model_copy(update={"size": 3})
    assert (bigger.name, bigger.size, bigger.tags) == ("a", 3, ["x"])
    assert box.size == 1
    with pytest.raises(RecordError, match="unknown field"):
        box.model_copy(update={"colour": "red"})


def test_private_state_is_kept_out_of_equality_and_pickles() -> None:
    box = Box(name="a")
    box._cache = "computed"  # private names may be set on a frozen record
    assert box == Box(name="a")
    restored = pickle.loads(pickle.dumps(box))
    assert restored == box and "_cache" not in vars(restored)
    assert box.model_copy()._cache == "computed"  # type: ignore[attr-defined]  # copied along


def test_dict_of_a_record_is_its_fields_in_order() -> None:
    assert dict(Box(name="a")) == {"name": "a", "size": 1, "tags": [], "task": None}
    assert list(dict(Box(name="a"))) == list(Box.model_fields)


# -- dumping --------------------------------------------------------------------------------------


def test_model_dump_keeps_python_values_and_json_mode_makes_them_plain() -> None:
    record = _record()
    python = record.model_dump()
    assert python["tasks"] == [Task.CHAT] and python["release_date"] == date(2024, 5, 1)
    assert python["quality"][0] == {
        "metric": "mmlu",
        "value": 40.5,
        "benchmark": "5-shot",
        "source": "s",
        "test_set": None,
        "language": None,
    }
    plain = record.model_dump(mode="json")
    assert plain["tasks"] == ["chat"] and plain["release_date"] == "2024-05-01"
    assert plain["architecture"] == "decoder"
    assert "notes" in plain and "notes" not in record.model_dump(exclude_none=True)
    assert json.loads(record.model_dump_json()) == plain


def test_tuples_stay_tuples_in_python_mode_and_become_lists_in_json() -> None:
    setup = EstimateSetup(lora_targets=("q_proj", "v_proj"))
    assert setup.model_dump()["lora_targets"] == ("q_proj", "v_proj")
    assert setup.model_dump(mode="json")["lora_targets"] == ["q_proj", "v_proj"]


# -- the pydantic edge ---------------------------------------------------------------------------


def test_model_validate_converts_untrusted_data_into_records() -> None:
    profile = HardwareProfile.model_validate(
        {
            "cpu": {"name": "x", "cores": "4"},
            "ram_bytes": 8 * 2**30,
            "gpus": [{"vendor": "nvidia", "name": "L4", "memory_bytes": 24 * 10**9, "source": "x"}],
        }
    )
    assert isinstance(profile, HardwareProfile)
    assert type(profile.cpu) is CpuInfo and profile.cpu.cores == 4
    assert type(profile.gpus[0]) is GpuInfo and profile.gpus[0].vendor is Vendor.NVIDIA


def test_model_validate_reports_errors_at_their_field() -> None:
    with pytest.raises(ValidationError) as caught:
        ModelRecord.model_validate({**_record().model_dump(), "id": "Not Lower"})
    (error,) = caught.value.errors()
    assert error["loc"] == ("id",) and "lowercase letters" in error["msg"]
    with pytest.raises(ValidationError) as caught:
        Box.model_validate({"name": "a", "size": 0, "extra": 1})
    assert {e["loc"] for e in caught.value.errors()} == {("size",), ("extra",)}


def test_model_validate_runs_the_records_own_checks() -> None:
    with pytest.raises(ValidationError, match="at most 10"):
        Box.model_validate({"name": "tiny", "size": 11})
    with pytest.raises(InvalidValueError):  # an advisor error passes through, as it did
        Request.model_validate({"task": "chat", "top": 0})


def test_the_schema_carries_descriptions_bounds_and_no_extra_keys() -> None:
    schema = Box.model_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name"]
    assert schema["properties"]["size"]["minimum"] == 1
    assert schema["properties"]["size"]["description"] == "Edge length."
    assert schema["properties"]["tags"]["maxItems"] == 2


def _report(task: Task, data: int, gpus: list[str]) -> Report:
    host = HardwareProfile(cpu=CpuInfo(name="t", cores=8), ram_bytes=64 * 2**30)
    whatif = WhatIf(gpus=gpus) if gpus else WhatIf(cpu_only=True, ram_gib=16)
    return recommend(Request(task=task, data=data, top=3), apply_whatif(whatif, host))


@settings(max_examples=12, deadline=None)
@given(
    task=st.sampled_from([Task.CHAT, Task.TEXT_CLASSIFICATION, Task.SPEECH_RECOGNITION]),
    data=st.sampled_from([0, 300, 20_000, 2_000_000]),
    gpus=st.sampled_from([[], ["RTX 4090"], ["8x H100"]]),
)
def test_a_report_survives_a_json_round_trip_through_validation(
    task: Task, data: int, gpus: list[str]
) -> None:
    """Every nested record of a real report is written as JSON that pydantic validates back
    into an equal report: the writer and the validating edge agree on every field."""
    report = _report(task, data, gpus)
    assert Report.model_validate_json(report.model_dump_json()) == report
    assert Report.model_validate(report.model_dump()) == report


class NamedBox(Box):
    """A subclass: inherits fields and checks, replaces one check by defining it again."""

    label: str | None = None

    @model_check
    def _small_named(self) -> None:
        if self.size > 5 and self.name == "tiny":
            raise ValueError("a tiny named box is at most 5")


def test_subclasses_inherit_fields_and_checks_and_may_replace_a_check() -> None:
    assert list(NamedBox.model_fields) == ["name", "size", "tags", "task", "label"]
    with pytest.raises(ValueError, match="must be lowercase"):
        NamedBox(name="Loud")
    with pytest.raises(ValueError, match="at most 5"):
        NamedBox(name="tiny", size=6)
    assert Box(name="tiny", size=6).size == 6


def test_a_mutable_default_is_refused_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="default_factory"):

        class Shared(Frozen):
            items: list[int] = []  # noqa: RUF012 (the mistake under test)
