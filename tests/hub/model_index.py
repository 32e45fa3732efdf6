"""Real ``model-index`` blocks from model cards, transcribed from their YAML into Python.

Each is copied as the card states it (values, names and the card's own mistakes included);
only ``verifyToken`` strings are left out.
"""

from __future__ import annotations

from typing import Any


def _asr(name: str, kind: str, config: str, value: float, lang: str = "en") -> dict[str, Any]:
    """One result of the shape every ASR card below uses: a test split, ``args.language``."""
    return {
        "task": {"name": "Automatic Speech Recognition", "type": "automatic-speech-recognition"},
        "dataset": {"name": name, "type": kind, "config": config, "split": "test",
                    "args": {"language": lang}},
        "metrics": [{"name": "Test WER", "type": "wer", "value": value}],
    }  # fmt: skip


WHISPER_MEDIUM: list[dict[str, Any]] = [{"name": "whisper-medium", "results": [
    _asr("LibriSpeech (clean)", "librispeech_asr", "clean", 2.9),
    _asr("LibriSpeech (other)", "librispeech_asr", "other", 5.9),
    _asr("Common Voice 11.0", "mozilla-foundation/common_voice_11_0", "hi", 53.87, "hi"),
]}]  # fmt: skip
"""https://huggingface.co/openai/whisper-medium README.md (model-index)."""

WAV2VEC2_CONFORMER: list[dict[str, Any]] = [{"name": "wav2vec2-conformer-rel-pos-large-960h-ft",
    "results": [
        _asr("LibriSpeech (clean)", "librispeech_asr", "clean", 1.96),
        _asr("LibriSpeech (other)", "librispeech_asr", "other", 3.98),
    ]}]  # fmt: skip
"""https://huggingface.co/facebook/wav2vec2-conformer-rel-pos-large-960h-ft README.md: a
wav2vec2 model fine-tuned on LibriSpeech 960 h."""

WAV2VEC2_XLSR_EN: list[dict[str, Any]] = [{"name": "XLSR Wav2Vec2 English by Jonatas Grosman",
    "results": [{
        "task": {"name": "Speech Recognition", "type": "automatic-speech-recognition"},
        "dataset": {"name": "Common Voice en", "type": "common_voice", "args": "en"},
        "metrics": [
            {"name": "Test WER", "type": "wer", "value": 19.76},
            {"name": "Test CER", "type": "cer", "value": 8.60},
        ],
    }]}]  # fmt: skip
"""https://huggingface.co/jonatasgrosman/wav2vec2-large-xlsr-53-english README.md: a
wav2vec2 fine-tune whose ``args`` is a bare string and which names no split."""

BERT_NER_TRAINER: list[dict[str, Any]] = [{"name": "bert-finetuned-ner", "results": [{
    "task": {"name": "Token Classification", "type": "token-classification"},
    "dataset": {"name": "conll2003", "type": "conll2003", "config": "conll2003",
                "split": "train", "args": "conll2003"},
    "metrics": [
        {"name": "Precision", "type": "precision", "value": 0.9355853618148701},
        {"name": "Recall", "type": "recall", "value": 0.9508582968697409},
        {"name": "F1", "type": "f1", "value": 0.9431600033386196},
        {"name": "Accuracy", "type": "accuracy", "value": 0.9870636368988049},
    ],
}]}]  # fmt: skip
"""A Trainer-written card of a bert-base-cased NER fine-tune on CoNLL-2003 (the Hugging Face
course's ``bert-finetuned-ner``): fractions, and the Trainer's ``split: train`` label."""

TINYROBERTA_SQUAD2: list[dict[str, Any]] = [{"name": "deepset/tinyroberta-squad2", "results": [
    {"task": {"type": "question-answering", "name": "Question Answering"},
     "dataset": {"name": "squad_v2", "type": "squad_v2", "config": "squad_v2",
                 "split": "validation"},
     "metrics": [
         {"type": "exact_match", "value": 78.8627, "name": "Exact Match", "verified": True},
         {"type": "f1", "value": 82.0355, "name": "F1", "verified": True},
     ]},
    {"task": {"type": "question-answering", "name": "Question Answering"},
     "dataset": {"name": "squad", "type": "squad", "config": "plain_text", "split": "validation"},
     "metrics": [
         {"type": "exact_match", "value": 83.860, "name": "Exact Match"},
         {"type": "f1", "value": 90.752, "name": "F1"},
     ]},
    {"task": {"type": "question-answering", "name": "Question Answering"},
     "dataset": {"name": "adversarial_qa", "type": "adversarial_qa", "config": "adversarialQA",
                 "split": "validation"},
     "metrics": [
         {"type": "exact_match", "value": 25.967, "name": "Exact Match"},
         {"type": "f1", "value": 37.006, "name": "F1"},
     ]},
]}]  # fmt: skip
"""https://huggingface.co/deepset/tinyroberta-squad2/raw/main/README.md (first three of its
results)."""

IMAGENET_TRAINER: list[dict[str, Any]] = [{"name": "rwkv_nepa_transfer_main_bs8_sft", "results": [{
    "task": {"name": "Image Classification", "type": "image-classification"},
    "dataset": {"name": "/public/home/ssjxkzk/rwkv-vl-nep-main/data/imagenet-1k-hf",
                "type": "imagenet-1k", "config": "default", "split": "validation",
                "args": "default"},
    "metrics": [{"name": "Accuracy", "type": "accuracy", "value": 0.59176}],
}]}]  # fmt: skip
"""A Trainer-written card of an image classifier fine-tuned on ImageNet-1k (RWKV backbone):
top-1 accuracy as a fraction."""

IMAGENET_ZERO_SHOT: list[dict[str, Any]] = [{"name": "QORA-Vision-Image", "results": [{
    "task": {"type": "zero-shot-image-classification"},
    "dataset": {"name": "ImageNet-1K", "type": "imagenet-1k"},
    "metrics": [{"name": "Zero-shot Accuracy", "type": "accuracy", "value": 69.8}],
}]}]  # fmt: skip
"""A SigLIP 2 (ViT) port's card: ImageNet-1K zero-shot accuracy in percent, no split named."""

IMAGENET_GENERATION: list[dict[str, Any]] = [{"name": "Prologue-L-XL", "results": [{
    "task": {"type": "image-generation", "name": "Class-conditional Image Generation"},
    "dataset": {"type": "imagenet-1k", "name": "ImageNet 256x256"},
    "metrics": [
        {"type": "fid", "value": 1.46, "name": "gFID (CFG)"},
        {"type": "fid", "value": 2.26, "name": "gFID (no CFG)"},
        {"type": "inception_score", "value": 257.7, "name": "IS"},
    ],
}]}]  # fmt: skip
"""A class-conditional ImageNet generator's card: FID (a catalog metric) and inception score
(not one)."""

BART_LARGE_XSUM: list[dict[str, Any]] = [{"name": "facebook/bart-large-xsum", "results": [{
    "task": {"type": "summarization", "name": "Summarization"},
    "dataset": {"name": "cnn_dailymail", "type": "cnn_dailymail", "config": "3.0.0",
                "split": "test"},
    "metrics": [
        {"name": "ROUGE-1", "type": "rouge", "value": 25.2697, "verified": True},
        {"name": "ROUGE-2", "type": "rouge", "value": 7.6638, "verified": True},
        {"name": "ROUGE-L", "type": "rouge", "value": 17.1808, "verified": True},
        {"name": "ROUGE-LSUM", "type": "rouge", "value": 21.7933, "verified": True},
        {"name": "loss", "type": "loss", "value": 3.5042972564697266, "verified": True},
        {"name": "gen_len", "type": "gen_len", "value": 27.4462, "verified": True},
    ],
}]}]  # fmt: skip
"""https://huggingface.co/facebook/bart-large-xsum README.md (its first result: the Hub's
evaluation on CNN/DailyMail, where the XSum model was not trained): ``type: rouge`` for every
ROUGE variant, the variant in ``name``."""
