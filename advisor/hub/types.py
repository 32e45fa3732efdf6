"""What advisor learns about a Hub model, and what the local Hugging Face cache holds.

Every fact the Hub (or the cache) did not state is ``None``, never a guessed value.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from advisor.models.base import Field, Frozen

FactsOrigin = Literal["hub", "advisor-cache", "hf-cache"]
"""Where an answer came from: the Hub now, advisor's TTL cache, or the user's HF cache."""

ParamsSource = Literal["safetensors-headers", "gguf-metadata", "hub-api", "config"]
"""How ``params`` was counted (most to least direct)."""


class GgufFile(Frozen):
    """One ``.gguf`` file of a repo."""

    filename: str
    size_bytes: int | None = Field(default=None, description="As the Hub lists it.")
    quant: str | None = Field(
        default=None, description="Quantisation type read from the file name (Q4_K_M, Q8_0...)."
    )


class HubModel(Frozen):
    """The facts of one Hub model repo at one revision."""

    repo_id: str
    revision: str | None = Field(default=None, description="As requested (None: main).")
    sha: str | None = Field(default=None, description="The commit the facts were read at.")
    endpoint: str
    origin: FactsOrigin = "hub"
    fetched_at: float | None = Field(default=None, description="Unix time of the Hub answer.")
    pipeline_tag: str | None = None
    license: str | None = Field(default=None, description="The Hub's licence id (or name).")
    languages: list[str] | None = None
    gated: bool | None = None
    downloads: int | None = None
    library_name: str | None = None
    tags: list[str] = Field(default_factory=list, description="The repo's Hub tags.")
    base_models: list[str] = Field(
        default_factory=list, description="The card's ``base_model`` (what this derives from)."
    )
    created: date | None = Field(default=None, description="When the repo was created.")
    config: dict[str, Any] | None = Field(default=None, description="config.json as published.")
    params: int | None = Field(default=None, description="Total parameters.")
    params_source: ParamsSource | None = None
    params_by_dtype: dict[str, int] | None = Field(
        default=None, description="Safetensors dtype (BF16, F32...) -> parameters."
    )
    safetensors_files: list[str] = Field(default_factory=list)
    gguf_files: list[GgufFile] = Field(default_factory=list)
    gguf_architecture: str | None = None
    gguf_context_length: int | None = None
    model_index: list[dict[str, Any]] | None = Field(
        default=None, description="The card's ``model-index`` (evaluation results), as published."
    )
    notes: list[str] = Field(default_factory=list)

    @property
    def url(self) -> str:
        """The model's page on the Hub."""
        return f"{self.endpoint}/{self.repo_id}"

    @property
    def card_url(self) -> str:
        """The model card (README.md) at the commit the facts were read at."""
        return f"{self.url}/blob/{self.sha or self.revision or 'main'}/README.md"


class LocalModel(Frozen):
    """A model repo in the user's Hugging Face cache."""

    repo_id: str
    size_bytes: int = Field(ge=0, description="Bytes of every blob the cache holds for it.")
    revision: str | None = Field(default=None, description="Commit of the snapshot used.")
    path: str = Field(description="The snapshot folder (holds config.json and weights).")
    has_weights: bool = Field(description="The snapshot holds weight files, not only configs.")
