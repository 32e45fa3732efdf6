"""Turning what the form holds into a ``Request``, and errors back into form fields.

The form's values replace the matching fields of the current request; fields the form does not
show (context, speed, budget, top) carry over. Parsing uses the library's own readers
(``parse_task``, ``parse_count``) and ``Request``'s own checks, so the app accepts exactly what
``advisor recommend`` accepts. Failures come back as ``FieldErrors``: reason by field name.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.errors import AdvisorError, UnknownLanguageError
from advisor.models.request import Request
from advisor.models.task import Task, parse_task
from advisor.tui.messages import FormValues
from advisor.units import parse_count


class FieldErrors(Exception):
    """The form cannot become a request; ``errors`` maps field name (None: whole form) to why."""

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def build_request(values: FormValues, base: Request) -> Request:
    """The request ``values`` describe, on top of ``base``; raises ``FieldErrors``."""
    errors: dict[str | None, str] = {}
    update: dict[str, Any] = {}
    try:
        update["task"] = parse_task(values.task)
    except AdvisorError as exc:
        errors["task"] = exc.one_line()
    try:
        update["data"] = parse_count(values.data, "data size") if values.data.strip() else 0
    except AdvisorError as exc:
        errors["data"] = exc.one_line()
    source = values.source_lang.strip() or None
    target = values.target_lang.strip() or None
    if update.get("task") is Task.TRANSLATION:
        if source and not target:
            errors["target_lang"] = "give the target language too"
        if target and not source:
            errors["source_lang"] = "give the source language too"
        update["source_lang"], update["target_lang"] = source, target
    else:
        update["source_lang"] = update["target_lang"] = None
    update["license"] = values.license
    update["goal"] = values.goal
    if errors:
        raise FieldErrors(errors)
    fields = dict(base)
    if update["task"] != base.task:
        fields["data_unit"] = None  # the unit typed for one task means nothing for another
    fields.update(update)
    try:
        return Request(**fields)  # the values are parsed above; Request runs its own checks
    except AdvisorError as exc:
        raise FieldErrors({None: exc.one_line()}) from None
    except ValueError as exc:  # RecordError: a value the field does not allow (a goal, say)
        raise FieldErrors({None: str(exc)}) from None


def field_of_error(error: AdvisorError, request: Request) -> str | None:
    """The form field a recommender error is about (a language code it names), if any."""
    if isinstance(error, UnknownLanguageError):
        quoted = set(re.findall(r"'([^']+)'", error.message))
        for name in ("source_lang", "target_lang"):
            if getattr(request, name) in quoted:
                return name
        return "source_lang"
    if "licen" in error.message.lower():
        return "license"
    return None
