"""Scores from a card's model-index become quality signals (advisor.hub.scores), checked on
real model-index blocks (tests/hub/model_index.py) against the numbers their cards state."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from advisor.catalog import load_catalog
from advisor.hub.scores import MAX_SIGNALS, CardScores, card_scores
from advisor.models.catalog import QualitySignal
from tests.hub import model_index as cards
from tests.hub.fakehub import FakeHub
from tests.hub.models import SCORED_REPO

CARD = "https://huggingface.co/example/model/blob/0123abc/README.md"


@cache
def _catalog() -> Any:
    return load_catalog()  # the shipped catalog, read once: these tests never change it


def scores(model_index: Any) -> CardScores:
    return card_scores(model_index, _catalog().metric, CARD)


def table(found: CardScores) -> list[tuple[str, float, str | None]]:
    return [(s.metric, s.value, s.test_set) for s in found.signals]


def test_whisper_librispeech_wers_land_on_the_canonical_test_sets() -> None:
    found = scores(cards.WHISPER_MEDIUM)
    assert table(found) == [
        ("wer", 2.9, "librispeech-test-clean"),
        ("wer", 5.9, "librispeech-test-other"),
        ("wer", 53.87, None),
    ]
    assert found.skipped == 0
    hindi = found.signals[2]
    assert hindi.language == "hi" and "Common Voice 11.0" in hindi.benchmark
    assert all(s.source == CARD and "model-index" in s.benchmark for s in found.signals)
    assert all(s.language is None for s in found.signals[:2])  # LibriSpeech is English


def test_a_wav2vec2_fine_tune() -> None:
    assert table(scores(cards.WAV2VEC2_CONFORMER)) == [
        ("wer", 1.96, "librispeech-test-clean"),
        ("wer", 3.98, "librispeech-test-other"),
    ]
    found = scores(cards.WAV2VEC2_XLSR_EN)
    assert table(found) == [("wer", 19.76, None), ("cer", 8.6, None)]
    assert all("Common Voice en" in s.benchmark for s in found.signals)
    assert all(s.language is None for s in found.signals)  # `args: en` is not a mapping


def test_a_bert_ner_fine_tune_gets_its_f1_in_percent_and_no_test_set_for_a_train_split() -> None:
    found = scores(cards.BERT_NER_TRAINER)
    assert [(s.metric, s.test_set) for s in found.signals] == [("conll2003-f1", None)]
    f1 = found.signals[0]
    assert f1.value == pytest.approx(94.316, abs=1e-3)
    assert "x100" in f1.benchmark and "train split" in f1.benchmark
    assert found.skipped == 3  # precision, recall and token accuracy are no catalog metric


def test_conll2003_test_split_is_the_canonical_test_set() -> None:
    card = [{"results": [{**cards.BERT_NER_TRAINER[0]["results"][0]}]}]
    card[0]["results"][0]["dataset"] = {"name": "conll2003", "type": "eriktks/conll2003",
                                        "split": "test"}  # fmt: skip
    assert table(scores(card))[0][::2] == ("conll2003-f1", "conll2003-test")


def test_squad2_and_squad_scores_of_a_squad2_model() -> None:
    found = scores(cards.TINYROBERTA_SQUAD2)
    assert table(found) == [
        ("squad2-em", 78.8627, "squad2-dev"),
        ("squad2-f1", 82.0355, "squad2-dev"),
        ("squad-f1", 90.752, "squad-v1.1-dev"),
    ]
    assert all("verified by the Hub" in s.benchmark for s in found.signals[:2])
    assert "self-reported" in found.signals[2].benchmark
    assert found.skipped == 3  # SQuAD 1.1 exact match and both adversarial_qa scores


def test_imagenet_accuracy_is_imagenet_top1_in_percent() -> None:
    assert table(scores(cards.IMAGENET_TRAINER)) == [("imagenet-top1", 59.176, "imagenet-1k-val")]
    zero_shot = scores(cards.IMAGENET_ZERO_SHOT).signals
    assert [(s.metric, s.value, s.test_set) for s in zero_shot] == [("imagenet-top1", 69.8, None)]
    assert "Zero-shot Accuracy" in zero_shot[0].benchmark


def test_catalog_metrics_other_than_accuracy_keep_their_value() -> None:
    found = scores(cards.IMAGENET_GENERATION)
    assert table(found) == [("fid", 1.46, None), ("fid", 2.26, None)]
    assert found.skipped == 1  # inception score is no catalog metric


def test_rouge_variants_are_told_apart_by_name_and_rouge_lsum_does_not_double_rouge_l() -> None:
    found = scores(cards.BART_LARGE_XSUM)
    assert table(found) == [
        ("rouge-1", 25.2697, "cnn-dailymail-test"),
        ("rouge-2", 7.6638, "cnn-dailymail-test"),
        ("rouge-l", 17.1808, "cnn-dailymail-test"),
    ]
    assert found.skipped == 3  # ROUGE-Lsum (a second rouge-l), loss, generation length


def _one(dataset: dict[str, Any], **metric: Any) -> list[dict[str, Any]]:
    return [{"results": [{"dataset": dataset, "metrics": [metric]}]}]


IMAGENET_VAL = {"name": "ImageNet-1k", "type": "imagenet-1k", "split": "validation"}


@pytest.mark.parametrize(
    "card",
    [
        _one(IMAGENET_VAL, type="accuracy", value=250),  # above 100 %
        _one(IMAGENET_VAL, type="accuracy", value=-3),
        _one(IMAGENET_VAL, type="accuracy", value="n/a"),
        _one(IMAGENET_VAL, type="accuracy", value=True),
        _one(IMAGENET_VAL, type="accuracy", value=float("nan")),
        _one(IMAGENET_VAL, type="accuracy"),
        _one(IMAGENET_VAL, value=80.1),
        _one({"name": "cifar10", "type": "cifar10", "split": "test"}, type="accuracy", value=98.1),
        _one({"name": "cifar10", "type": "cifar10"}, type="top1", value=98.1),  # names ImageNet's
        _one({"name": "my data", "type": "me/data"}, type="f1", value=0.9),
        _one({"name": "mos test", "type": "x/y"}, type="mos", value=7.5),  # MOS is 1-5
        [{"results": [{"dataset": IMAGENET_VAL, "metrics": {"type": "accuracy"}}]}],
        [{"results": [{"dataset": "imagenet", "metrics": []}]}],
        [{"results": "none"}],
        [{"name": "x"}, 3, None],
        {"results": []},
        "model-index",
        None,
    ],
)
def test_unusable_results_are_skipped_without_a_crash(card: Any) -> None:
    assert scores(card).signals == []


def test_a_percent_sign_and_a_string_number_are_read() -> None:
    found = scores(_one(IMAGENET_VAL, type="accuracy", value="81.2 %"))
    assert table(found) == [("imagenet-top1", 81.2, "imagenet-1k-val")]


def test_a_card_with_hundreds_of_results_is_capped() -> None:
    many = [{"results": [
        {"dataset": {"name": f"set {i}", "type": f"org/set{i}"},
         "metrics": [{"type": "wer", "value": 10 + i / 100}]}
        for i in range(MAX_SIGNALS + 10)
    ]}]  # fmt: skip
    found = scores(many)
    assert len(found.signals) == MAX_SIGNALS and found.skipped == 10


def test_signals_are_valid_catalog_records() -> None:
    for card in (cards.WHISPER_MEDIUM, cards.TINYROBERTA_SQUAD2, cards.IMAGENET_TRAINER):
        for signal in scores(card).signals:
            assert QualitySignal.model_validate(signal.model_dump()) == signal


def test_the_model_index_is_read_from_model_info_or_card_data(fake_hub: FakeHub) -> None:
    """The Hub's model info may carry the index top-level (``model-index``) or in
    ``cardData``; both reach the record, read raw (huggingface_hub's own parse regroups it)."""
    from advisor.hub import hub_model

    model = hub_model(SCORED_REPO, token=False, use_cache=False)
    assert model.model_index == cards.WHISPER_MEDIUM
    repo = fake_hub.repos[SCORED_REPO]
    card = {k: v for k, v in repo.info["cardData"].items() if k != "model-index"}
    repo.info.update({"cardData": card, "model-index": cards.TINYROBERTA_SQUAD2})
    again = hub_model(SCORED_REPO, token=False, use_cache=False)
    assert again.model_index == cards.TINYROBERTA_SQUAD2
