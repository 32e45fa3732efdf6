"""Languages are knowledge (listed, claimed in bulk, unknown), translation direction is
checked, quality compares only comparable scores, and licences keep their caveats: checked
on the real catalog and several hardware profiles."""

from __future__ import annotations

import pytest

from advisor.catalog import Catalog, load_catalog
from advisor.models.catalog import ModelSpec, QualitySignal
from advisor.models.hardware import HardwareProfile
from advisor.models.report import Report
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.recommend.candidates import filter_models, language_fit, translation_directions
from advisor.recommend.rank import quality_scores
from advisor.recommend.weights import policy
from advisor.whatif import WhatIf, apply_whatif

HOST = HardwareProfile(ram_bytes=64 * 2**30)
PROFILES = [apply_whatif(WhatIf(gpus=[g]), HOST) for g in ("RTX 4090", "T4", "A100 80GB", "M3 Max")]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_dir=None)


def ids(report: Report) -> list[str]:
    return [r.model.id for r in report.recommendations]


def excluded(report: Report, model_id: str) -> str | None:
    return next((e.reason for e in report.excluded if e.model == model_id), None)


@pytest.mark.parametrize("hardware", PROFILES)
def test_en_to_de_never_ranks_a_de_to_en_only_model(
    catalog: Catalog, hardware: HardwareProfile
) -> None:
    request = Request(task=Task.TRANSLATION, source_lang="en", target_lang="de", top=50)
    report = recommend(request, hardware, catalog)
    for model_id in ids(report):
        pairs = translation_directions(catalog.get(model_id))
        assert pairs is None or "en-de" in pairs, model_id
    reason = excluded(report, "opus-mt-de-en")
    assert reason is not None and "de→en" in reason
    back = recommend(
        Request(task=Task.TRANSLATION, source_lang="de", target_lang="en", top=50),
        hardware,
        catalog,
    )
    assert "→" not in (excluded(back, "opus-mt-de-en") or "")  # the right way round is kept


def test_a_recorded_direction_wins_over_the_name(catalog: Catalog) -> None:
    model = catalog.get("nllb-200-distilled-600m").model_copy(
        update={"id": "one-way", "translation_directions": ["de-en"]}
    )
    one = catalog.model_copy(update={"models": (model,)})
    kept, drops = filter_models(
        Request(task=Task.TRANSLATION, source_lang="en", target_lang="de"), one
    )
    assert not kept and "translates only de→en" in drops[0].reason
    kept, _ = filter_models(Request(task=Task.TRANSLATION, source_lang="de", target_lang="en"), one)
    assert [m.id for m in kept] == ["one-way"]


@pytest.mark.parametrize("lang", ["de", "ja"])
@pytest.mark.parametrize("hardware", PROFILES[:2])
def test_embeddings_in_german_or_japanese_return_multilingual_models(
    catalog: Catalog, hardware: HardwareProfile, lang: str
) -> None:
    report = recommend(Request(task=Task.EMBEDDINGS, languages=[lang], top=50), hardware, catalog)
    assert len(report.recommendations) >= 1 and "bge-m3" in ids(report)
    row = report.recommendations[ids(report).index("bge-m3")]
    assert any("claims 100 languages" in r for r in row.reasons)
    for rec in report.recommendations:
        model = catalog.get(rec.model.id)
        assert (
            model.languages_claimed
            or catalog.serves_language(model, lang)
            or any("coverage not stated" in r for r in rec.reasons)
        )


def test_qwen3_is_kept_for_german_and_japanese(catalog: Catalog) -> None:
    for lang in ("de", "ja"):
        request = Request(task=Task.CHAT, languages=[lang], top=100)
        report = recommend(request, PROFILES[2], catalog)
        assert "qwen3-8b" in ids(report), lang
        assert excluded(report, "qwen3-8b") is None


def test_multilingual_classification_keeps_xlmr_and_mdeberta(catalog: Catalog) -> None:
    request = Request(task=Task.TEXT_CLASSIFICATION, languages=["ja"], data=5000, top=10)
    report = recommend(request, PROFILES[0], catalog)
    assert {"xlm-roberta-large", "mdeberta-v3-base"} <= set(ids(report))


def test_unknown_coverage_ranks_lower_and_never_excludes(catalog: Catalog) -> None:
    base = catalog.get("xlm-roberta-base")
    unknown = base.model_copy(
        update={"id": "unknown-langs", "languages": None, "languages_claimed": None}
    )
    request = Request(task=Task.TEXT_CLASSIFICATION, languages=["sw"])
    known = language_fit(base, request, catalog)
    unsure = language_fit(unknown, request, catalog)
    assert unsure.part is not None and known.part is not None and unsure.part < known.part
    assert any("coverage not stated" in n for n in unsure.notes)
    one = catalog.model_copy(update={"models": (unknown,)})
    kept, drops = filter_models(request, one)
    assert [m.id for m in kept] == ["unknown-langs"] and not drops


def test_seamless_translates_text_and_whisper_does_not(catalog: Catalog) -> None:
    request = Request(task=Task.TRANSLATION, source_lang="fr", target_lang="de", top=100)
    report = recommend(request, PROFILES[2], catalog)
    assert "seamless-m4t-v2-large" in ids(report)
    reason = excluded(report, "whisper-large-v3")
    assert reason is not None and "speech, not text" in reason


@pytest.mark.parametrize("gpu", ["A100 80GB", "H100"])
def test_sd21_never_ranks_above_flux_schnell(catalog: Catalog, gpu: str) -> None:
    hardware = apply_whatif(WhatIf(gpus=[gpu]), HOST)
    report = recommend(Request(task=Task.IMAGE_GENERATION, top=20), hardware, catalog)
    order = ids(report)
    assert order.index("flux.1-schnell") < order.index("stable-diffusion-2-1")
    # FLUX.1 Krea [dev] has no GenEval score: the unscored 12B model must still not fall below
    # the scored, much smaller SD 2.1.
    assert order.index("flux.1-krea-dev") < order.index("stable-diffusion-2-1")
    krea = report.recommendations[order.index("flux.1-krea-dev")]
    assert not krea.quality.scored and "unscored" in (krea.quality.basis or "")


@pytest.mark.parametrize("gpu", ["A100 80GB", "H100"])
def test_whisper_large_v3_not_below_whisper_small(catalog: Catalog, gpu: str) -> None:
    hardware = apply_whatif(WhatIf(gpus=[gpu]), HOST)
    report = recommend(Request(task=Task.SPEECH_RECOGNITION, top=30), hardware, catalog)
    order = ids(report)
    assert order.index("whisper-large-v3") < order.index("whisper-small")


def test_english_asr_scores_do_not_rank_swahili(catalog: Catalog) -> None:
    request = Request(task=Task.SPEECH_RECOGNITION, languages=["sw"], top=20)
    report = recommend(request, PROFILES[0], catalog)
    assert report.recommendations
    for rec in report.recommendations:
        bench = (rec.quality.benchmark or "").lower()
        assert "librispeech" not in bench, rec.model.id


def _wer(model: ModelSpec, model_id: str, value: float, **extra: str) -> ModelSpec:
    signal = QualitySignal(metric="wer", value=value, benchmark="b", source="s", **extra)
    return model.model_copy(update={"id": model_id, "quality": [signal]})


def test_scores_compare_only_on_the_same_test_set(catalog: Catalog) -> None:
    info = catalog.task_info(Task.SPEECH_RECOGNITION)
    base = catalog.get("whisper-small")
    a = _wer(base, "a", 3.0, test_set="librispeech-test-clean")
    b = _wer(base, "b", 9.0, test_set="common-voice-15")
    scores = quality_scores([a, b], info, catalog, policy())
    assert not scores["a"].scored and not scores["b"].scored
    assert scores["a"].score == scores["b"].score
    c = _wer(base, "c", 5.0, test_set="librispeech-test-clean")
    scores = quality_scores([a, b, c], info, catalog, policy())
    assert scores["a"].scored and scores["c"].scored and scores["a"].score > scores["c"].score


def test_language_specific_evidence_is_preferred(catalog: Catalog) -> None:
    info = catalog.task_info(Task.SPEECH_RECOGNITION)
    base = catalog.get("whisper-small")

    # x is better on English audio, y on Swahili audio: a Swahili request prefers y.
    def scored(model_id: str, english: float, swahili: float) -> ModelSpec:
        signals = [
            QualitySignal(metric="wer", value=english, benchmark="b", source="s", test_set="t"),
            QualitySignal(
                metric="wer", value=swahili, benchmark="b", source="s", test_set="fleurs",
                language="sw",
            ),
        ]  # fmt: skip
        return base.model_copy(update={"id": model_id, "quality": signals})

    x, y = scored("x", 3, 30), scored("y", 6, 20)
    sw = quality_scores([x, y], info, catalog, policy(), languages=("sw",))
    assert sw["y"].score > sw["x"].score
    en = quality_scores([x, y], info, catalog, policy(), languages=("en",))
    assert en["x"].score > en["y"].score


def test_commercial_filter_keeps_agpl_and_revenue_caps_with_a_caveat(catalog: Catalog) -> None:
    request = Request(task=Task.OBJECT_DETECTION, license="commercial", top=20)
    report = recommend(request, PROFILES[0], catalog)
    rows = {r.model.id: r for r in report.recommendations}
    agpl = [r for r in rows.values() if r.model.license == "AGPL-3.0-only"]
    assert agpl, "YOLO (AGPL) stays for commercial use"
    for row in agpl:
        assert any("network copyleft" in reason for reason in row.reasons)
    for row in rows.values():
        assert row.model.commercial_use is True
    dropped = {e.model for e in report.excluded if e.kind == "license"}
    assert all(catalog.get(m).commercial_use is not True for m in dropped)
    gen = recommend(
        Request(task=Task.IMAGE_GENERATION, license="commercial", top=20), PROFILES[2], catalog
    )
    capped = [r for r in gen.recommendations if r.model.license == "LicenseRef-Stability-Community"]
    assert capped and all(any("revenue cap" in x for x in r.reasons) for r in capped)
    assert all(r.model.commercial_use for r in gen.recommendations)
