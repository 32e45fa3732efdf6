"""``--json`` documents are valid against ``advisor schema`` and equal what pydantic would write.

advisor writes JSON from its records without pydantic (the fast path); pydantic generates the
schemas. These tests tie the two together on real documents: each must validate against the
pydantic document model of its schema, and pydantic's own serialisation of the validated
document must be the same JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

from advisor.catalog import load_catalog
from advisor.gpus import load_gpus
from advisor.models.base import Frozen
from advisor.models.documents import document_json, document_schema
from advisor.models.estimate import Throughput
from advisor.models.hardware import CpuInfo, GpuListing, HardwareProfile
from advisor.models.report import Report
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.models.validation import document_model
from advisor.recommend import recommend
from advisor.whatif import WhatIf, apply_whatif

HOST = HardwareProfile(
    cpu=CpuInfo(name="Test CPU ü", cores=4, logical_cores=8),
    ram_bytes=32 * 2**30,
    ram_total_bytes=32 * 2**30,
)


def _reports() -> list[Report]:
    cases = [
        (Request(task=Task.CHAT, data=5000), WhatIf(gpus=["RTX 4090"])),
        (Request(task=Task.CHAT, goal=Goal.FINE_TUNE, data=80_000), WhatIf(gpus=["4x A100"])),
        (
            Request(task=Task.TRANSLATION, source_lang="sw", target_lang="yo"),
            WhatIf(cpu_only=True, ram_gib=8),
        ),
        (Request(task=Task.CHAT, min_tokens_per_s=10_000), WhatIf(vram_gib=6)),  # nothing fits
    ]
    return [recommend(request, apply_whatif(whatif, HOST)) for request, whatif in cases]


def _objects() -> list[Frozen]:
    objects: list[Frozen] = [*_reports(), HOST, load_catalog().models[0]]
    objects.append(GpuListing(gpus=list(load_gpus()[:5])))
    return objects


def _typed_json(text: str) -> Any:
    """Parsed JSON in which a float stays distinguishable from an int of the same value (10.0
    and 10 differ), while the spelling of a float does not matter (2e-05 and 0.00002 agree)."""
    return json.loads(text, parse_float=lambda token: ("float", float(token)))


def test_documents_validate_against_their_schema_and_match_pydantics_json() -> None:
    for obj in _objects():
        text = document_json(obj)
        validated = document_model(type(obj)).model_validate_json(text)  # extra keys forbidden
        assert _typed_json(validated.model_dump_json()) == _typed_json(text), type(obj).__name__
        assert validated.model_dump(mode="json") == json.loads(text)


def test_schema_version_comes_first_and_layout_follows_indent() -> None:
    report = _reports()[0]
    text = document_json(report)
    # The recommend document is at version 2: each row carries its own plan (issue 11).
    assert text.startswith('{\n  "schema_version": "2",\n  "request": {')
    assert document_json(report, indent=4).startswith('{\n    "schema_version": "2",')
    compact = document_json(report, indent=None)
    assert "\n" not in compact and compact.startswith('{"schema_version":"2","request":{')
    assert json.loads(compact) == json.loads(text)


def test_text_outside_ascii_is_written_as_is() -> None:
    assert '"name": "Test CPU ü"' in document_json(HOST)


def test_non_finite_numbers_become_null_as_pydantic_writes_them() -> None:
    speeds = Throughput(decode_tokens_per_s=math.inf, prefill_tokens_per_s=math.nan)
    ours = json.loads(document_json(speeds))
    model = document_model(Throughput)
    theirs = json.loads(model.model_validate(dict(speeds)).model_dump_json())
    assert ours == theirs
    assert ours["decode_tokens_per_s"] is None and ours["prefill_tokens_per_s"] is None


def test_every_key_a_report_writes_is_in_the_recommend_schema() -> None:
    schema = document_schema(Report)
    defs: dict[str, Any] = schema["$defs"]

    def keys_of(node: dict[str, Any]) -> set[str]:
        return set(node.get("properties", {}))

    doc = json.loads(document_json(_reports()[1]))
    assert set(doc) == keys_of(schema)
    first = doc["recommendations"][0]
    assert set(first) == keys_of(defs["Recommendation"])
    assert set(first["fine_tuning"]) == keys_of(defs["FineTuning"])
    assert all(d.get("additionalProperties") is False for d in defs.values() if "properties" in d)
