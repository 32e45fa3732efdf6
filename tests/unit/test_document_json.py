"""``document_json`` writes exactly what the document model would, without building it."""

from __future__ import annotations

from pydantic import BaseModel, computed_field

from advisor.catalog import load_catalog
from advisor.gpus import load_gpus
from advisor.models.base import Frozen
from advisor.models.documents import document_json, document_model, to_document
from advisor.models.hardware import CpuInfo, GpuListing, HardwareProfile
from advisor.models.request import Goal, Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.whatif import WhatIf, apply_whatif

HOST = HardwareProfile(
    cpu=CpuInfo(name="Test CPU ü", cores=4, logical_cores=8),
    ram_bytes=32 * 2**30,
    ram_total_bytes=32 * 2**30,
)


def _reports() -> list[BaseModel]:
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


def test_matches_the_document_model_byte_for_byte() -> None:
    objects: list[BaseModel] = [*_reports(), HOST, load_catalog().models[0]]
    objects.append(GpuListing(gpus=list(load_gpus()[:5])))
    for obj in objects:
        assert document_json(obj) == to_document(obj).model_dump_json(indent=2)
        assert document_json(obj, indent=4) == to_document(obj).model_dump_json(indent=4)
        assert document_json(obj, indent=None) == to_document(obj).model_dump_json()


def test_a_report_is_written_without_building_its_document_class() -> None:
    report = _reports()[0]
    document_model.cache_clear()
    text = document_json(report)
    assert document_model.cache_info().currsize == 0
    assert text.startswith('{\n  "schema_version": "1",\n  "request": {')


class _WithComputed(Frozen):
    x: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def doubled(self) -> int:
        return 2 * self.x


def test_models_whose_json_is_not_their_fields_take_the_long_way() -> None:
    obj = _WithComputed(x=2)
    assert document_json(obj) == to_document(obj).model_dump_json(indent=2)
    assert "doubled" not in document_json(obj)
