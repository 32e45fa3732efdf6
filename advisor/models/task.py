"""The tasks advisor knows, and the names people type for them."""

from __future__ import annotations

from enum import StrEnum

from advisor.errors import UnknownTaskError


class Task(StrEnum):
    """A job a model does. Values are the spellings used on the command line and in JSON."""

    CHAT = "chat"
    TEXT_GENERATION = "text-generation"
    TRANSLATION = "translation"
    SUMMARIZATION = "summarization"
    TEXT_CLASSIFICATION = "text-classification"
    TOKEN_CLASSIFICATION = "token-classification"
    QUESTION_ANSWERING = "question-answering"
    EMBEDDINGS = "embeddings"
    CODE = "code"
    SPEECH_RECOGNITION = "speech-recognition"
    TEXT_TO_SPEECH = "text-to-speech"
    IMAGE_CLASSIFICATION = "image-classification"
    OBJECT_DETECTION = "object-detection"
    IMAGE_SEGMENTATION = "image-segmentation"
    IMAGE_GENERATION = "image-generation"
    VISION_LANGUAGE = "vision-language"


TASK_ALIASES: dict[str, Task] = {
    "ner": Task.TOKEN_CLASSIFICATION,
    "qa": Task.QUESTION_ANSWERING,
    "asr": Task.SPEECH_RECOGNITION,
    "stt": Task.SPEECH_RECOGNITION,
    "speech-to-text": Task.SPEECH_RECOGNITION,
    "automatic-speech-recognition": Task.SPEECH_RECOGNITION,
    "tts": Task.TEXT_TO_SPEECH,
    "vlm": Task.VISION_LANGUAGE,
    "image-text-to-text": Task.VISION_LANGUAGE,
    "classification": Task.TEXT_CLASSIFICATION,
    "sentiment": Task.TEXT_CLASSIFICATION,
    "embedding": Task.EMBEDDINGS,
    "feature-extraction": Task.EMBEDDINGS,
    "sentence-similarity": Task.EMBEDDINGS,
    "detection": Task.OBJECT_DETECTION,
    "segmentation": Task.IMAGE_SEGMENTATION,
    "text-to-image": Task.IMAGE_GENERATION,
    "code-generation": Task.CODE,
    "llm": Task.CHAT,
    "conversational": Task.CHAT,
}
"""Other names for tasks, including the Hugging Face pipeline tags that differ from ours."""


def parse_task(text: str) -> Task:
    """Turn what a user typed into a Task, or raise UnknownTaskError naming the choices."""
    key = text.strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return Task(key)
    except ValueError:
        pass
    if key in TASK_ALIASES:
        return TASK_ALIASES[key]
    import difflib

    names = [t.value for t in Task] + list(TASK_ALIASES)
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hint = (
        f"did you mean {', '.join(close)}?"
        if close
        else "known tasks: " + ", ".join(t.value for t in Task)
    )
    raise UnknownTaskError(f"unknown task {text!r}", hint)
