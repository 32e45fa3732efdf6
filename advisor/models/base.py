"""Base class for every structure that crosses a boundary: frozen, strict about unknown keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = "1"
"""Version of the JSON documents advisor prints; bumped when a stable key changes meaning."""


class Frozen(BaseModel):
    """Immutable pydantic model that rejects unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
