"""Export from the app: the JSON report plus the files ``advisor recommend --export`` writes.

The files come from the same library calls as ``--export`` (``advisor.recommend.explain.
export_plan`` for the chosen model and ``advisor.export.write_exports``), including
``report.json``: the same document ``advisor recommend --json`` prints. Nothing is overwritten
unless asked: an ``ExportError`` names the files that are in the way.
"""

from __future__ import annotations

from pathlib import Path

from advisor.errors import ExportError
from advisor.models.report import Report

OVERWRITE_HINT = "press Ctrl+O to overwrite them, or change the folder"


def export_report(report: Report, model_id: str, folder: Path, *, overwrite: bool) -> list[Path]:
    """Write ``report.json`` and the configs for ``model_id`` into ``folder``; the paths written.

    Raises ``ExportError`` when the model is not in the report, when files exist and
    ``overwrite`` is false, or when the folder cannot be written.
    """
    from advisor.export import write_exports
    from advisor.models.documents import document_json
    from advisor.recommend.explain import export_plan

    chosen = [rec for rec in report.recommendations if rec.model.id == model_id]
    if not chosen:
        raise ExportError(f"{model_id!r} is not among the ranked models", "pick a ranked model")
    plan = export_plan(report, chosen[0])
    if plan is None:  # cannot happen with a chosen recommendation; kept for the type checker
        raise ExportError(f"nothing to export for {model_id!r}", None)
    try:
        return write_exports(plan, folder, force=overwrite, report_json=document_json(report))
    except ExportError as exc:
        # The writer's hint names the CLI flag; in the app the overwrite is a key.
        hint = OVERWRITE_HINT if exc.hint and "--force" in exc.hint else exc.hint
        raise ExportError(exc.message, hint) from None
