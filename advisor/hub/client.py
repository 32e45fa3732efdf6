"""Asking the Hub: model info, config.json and safetensors headers through huggingface_hub.

This is the only module that imports huggingface_hub, and only inside ``fetch``: commands that
need no Hub never load it. Requests go through huggingface_hub's own client
(``HfApi.model_info``, ``hf_hub_download``, ``HfApi.parse_safetensors_file_metadata``), with
advisor's reading of the environment (see ``advisor.hub.env``) passed in explicitly: endpoint,
token, timeout and cache folder.

Weights are never downloaded: a safetensors file is read through HTTP Range requests for its
header only (huggingface_hub asks for the first 100 kB, then for the rest of the header if it
is longer). Each request is retried once after a connection error or a 5xx answer; anything
else fails at once with one of the ``advisor.hub.errors`` classes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from advisor.hub import env, facts
from advisor.hub.errors import (
    GatedRepoError,
    HubError,
    HubOffline,
    HubServerError,
    HubUnreachable,
    MalformedConfig,
    RateLimited,
    RepoNotFound,
    RevisionNotFound,
)
from advisor.hub.types import HubModel

if TYPE_CHECKING:
    from huggingface_hub import HfApi

_T = TypeVar("_T")

RETRY_PAUSE_S = 0.5
"""Pause before the one retry: long enough for a restarting proxy, short for a person waiting."""
MAX_SHARD_WORKERS = 8
"""Shard headers read in parallel (huggingface_hub's get_safetensors_metadata also uses threads)."""
SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"


class _Context:
    """What error messages need: the repo, revision, endpoint and whether a token was sent."""

    def __init__(self, repo_id: str, revision: str | None, endpoint: str, has_token: bool) -> None:
        self.repo_id = repo_id
        self.revision = revision
        self.endpoint = endpoint
        self.has_token = has_token


def fetch(repo_id: str, *, revision: str | None, token: str | bool | None) -> HubModel:
    """Read ``repo_id``'s facts from the Hub now (no cache). Raises ``HubError`` subclasses.

    ``token``: a token string, ``False`` for anonymous access, ``None`` for the standard
    locations (``advisor.hub.env.token``).
    """
    # Imported here: loading huggingface_hub (and its HTTP stack) costs start-up time that
    # commands without a Hub look-up must not pay.
    import huggingface_hub
    from huggingface_hub import constants as hf_constants
    from huggingface_hub.utils.tqdm import disable_progress_bars

    endpoint = env.endpoint()
    if env.offline():
        raise HubOffline(repo_id)
    # huggingface_hub reads HF_HUB_OFFLINE once, at import; advisor decided just above from the
    # environment as it is now, and the client must agree or it refuses every request.
    hf_constants.HF_HUB_OFFLINE = False
    disable_progress_bars("huggingface_hub.http_get")  # a config.json needs no progress bar
    found: str | bool | None = env.token() if token is None else token
    secret: str | bool = found or False
    ctx = _Context(repo_id, revision, endpoint, has_token=bool(secret))
    api = huggingface_hub.HfApi(endpoint=endpoint, token=secret, library_name="advisor")
    timeout = env.timeout_s()

    info = _call(
        ctx,
        lambda: api.model_info(repo_id, revision=revision, files_metadata=True, timeout=timeout),
    )
    siblings = [(s.rfilename, s.size) for s in info.siblings or []]
    names = {name for name, _ in siblings}
    pinned = info.sha or revision  # read every file at the commit the info describes
    notes: list[str] = []

    config = _json_file(ctx, api, "config.json", pinned) if "config.json" in names else None
    params, by_dtype, files = _safetensors(ctx, api, names, pinned)
    source: Any = "safetensors-headers" if params is not None else None
    gguf: Mapping[str, Any] = info.gguf if isinstance(info.gguf, Mapping) else {}
    if params is None and isinstance(gguf.get("total"), int):
        params, source = gguf["total"], "gguf-metadata"
    if params is None and info.safetensors is not None and info.safetensors.total > 0:
        params, source = info.safetensors.total, "hub-api"
        by_dtype = dict(info.safetensors.parameters)
    card: dict[str, Any] = (
        info.card_data.to_dict()  # type: ignore[no-untyped-call]  # huggingface_hub leaves it untyped
        if info.card_data is not None
        else {}
    )
    licence = card.get("license")
    if licence == "other" and card.get("license_name"):
        licence = card["license_name"]
    return HubModel(
        repo_id=info.id or repo_id,
        revision=revision,
        sha=info.sha,
        endpoint=endpoint,
        origin="hub",
        fetched_at=time.time(),
        pipeline_tag=info.pipeline_tag,
        license=licence if isinstance(licence, str) else None,
        languages=facts.card_languages(card.get("language")),
        gated=None if info.gated is None else bool(info.gated),
        downloads=info.downloads,
        library_name=info.library_name,
        created=info.created_at.date() if info.created_at else None,
        config=config,
        params=params,
        params_source=source,
        params_by_dtype=by_dtype,
        safetensors_files=files,
        gguf_files=facts.gguf_files(siblings),
        gguf_architecture=_typed(gguf, "architecture", str),
        gguf_context_length=_typed(gguf, "context_length", int),
        notes=notes,
    )


def _typed(data: Mapping[str, Any], key: str, kind: type[_T]) -> _T | None:
    value = data.get(key)
    return value if isinstance(value, kind) else None


def _download(ctx: _Context, api: HfApi, filename: str, revision: str | None) -> Path:
    """A small repo file, fetched into advisor's own cache folder (never the user's HF cache)."""
    from huggingface_hub import hf_hub_download

    from advisor.hub.cache import folder

    path = _call(
        ctx,
        lambda: hf_hub_download(
            ctx.repo_id,
            filename,
            revision=revision,
            cache_dir=folder() / "files",
            endpoint=ctx.endpoint,
            token=api.token,
            etag_timeout=env.timeout_s(),
            library_name="advisor",
        ),
    )
    return Path(path)


def _json_file(ctx: _Context, api: HfApi, filename: str, revision: str | None) -> dict[str, Any]:
    path = _download(ctx, api, filename, revision)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise MalformedConfig(ctx.repo_id, f"{filename} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedConfig(
            ctx.repo_id, f"{filename} is not valid JSON (line {exc.lineno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise MalformedConfig(ctx.repo_id, f"{filename} is not a JSON object")
    return data


def _safetensors(
    ctx: _Context, api: HfApi, names: set[str], revision: str | None
) -> tuple[int | None, dict[str, int] | None, list[str]]:
    """(total, per dtype, files) from the root checkpoint's headers; Nones without one."""
    if SINGLE_FILE in names:
        files = [SINGLE_FILE]
    elif INDEX_FILE in names:
        index = _json_file(ctx, api, INDEX_FILE, revision)
        weight_map = index.get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map:
            raise MalformedConfig(ctx.repo_id, f"{INDEX_FILE} has no weight_map")
        files = sorted({str(v) for v in weight_map.values()})
    else:
        return None, None, []

    def header(filename: str) -> dict[str, Any]:
        meta = _call(
            ctx,
            lambda: api.parse_safetensors_file_metadata(
                ctx.repo_id, filename, revision=revision, timeout=env.timeout_s()
            ),
        )
        return {n: {"dtype": t.dtype, "shape": list(t.shape)} for n, t in meta.tensors.items()}

    with ThreadPoolExecutor(max_workers=min(MAX_SHARD_WORKERS, len(files))) as pool:
        headers = list(pool.map(header, files))
    try:
        by_dtype = facts.params_by_dtype(headers)
    except ValueError as exc:
        raise MalformedConfig(ctx.repo_id, f"safetensors header: {exc}") from None
    total = sum(by_dtype.values())
    return (total or None), (by_dtype or None), files


def _call(ctx: _Context, request: Callable[[], _T]) -> _T:
    """Run one request; retry once after a connection error or 5xx; translate failures."""
    for attempt in (1, 2):
        try:
            return request()
        except HubError:
            raise
        except Exception as exc:
            if attempt == 1 and _retryable(exc):
                time.sleep(RETRY_PAUSE_S)
                continue
            raise translate(exc, ctx) from exc
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _root_cause(exc: BaseException) -> BaseException:
    """hf_hub_download wraps connection failures in LocalEntryNotFoundError; unwrap them."""
    from huggingface_hub.errors import LocalEntryNotFoundError

    while isinstance(exc, LocalEntryNotFoundError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def _retryable(exc: BaseException) -> bool:
    # httpx2 is the HTTP client huggingface_hub 2.x uses (pinned in pyproject.toml); its
    # transport errors are what a dropped connection or a timeout looks like from here.
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    cause = _root_cause(exc)
    if isinstance(cause, HfHubHTTPError):
        return cause.response is not None and cause.response.status_code >= 500
    return isinstance(cause, httpx2.TransportError) and not isinstance(cause, httpx2.ProxyError)


def translate(exc: BaseException, ctx: _Context) -> HubError:
    """The advisor error for a huggingface_hub (or HTTP) failure. Never quotes the server."""
    import httpx2
    from huggingface_hub import errors as hf

    cause = _root_cause(exc)
    if isinstance(cause, hf.GatedRepoError):
        return GatedRepoError(ctx.repo_id, f"{ctx.endpoint}/{ctx.repo_id}", has_token=ctx.has_token)
    if isinstance(cause, hf.RepositoryNotFoundError):
        return RepoNotFound(ctx.repo_id, has_token=ctx.has_token)
    if isinstance(cause, hf.RevisionNotFoundError):
        return RevisionNotFound(ctx.repo_id, ctx.revision or "main")
    if isinstance(cause, hf.OfflineModeIsEnabled):
        return HubOffline(ctx.repo_id)
    if isinstance(cause, hf.SafetensorsParsingError):
        return MalformedConfig(ctx.repo_id, "a safetensors header is not readable")
    if isinstance(cause, hf.HfHubHTTPError) and cause.response is not None:
        status = cause.response.status_code
        if status == 429:
            return RateLimited(
                ctx.repo_id, _retry_after(cause.response.headers), has_token=ctx.has_token
            )
        if status in (401, 403):
            return RepoNotFound(ctx.repo_id, has_token=ctx.has_token)
        return HubServerError(ctx.repo_id, status)
    if isinstance(cause, httpx2.TimeoutException):
        return HubUnreachable(ctx.repo_id, ctx.endpoint, f"no answer within {env.timeout_s():g} s")
    if isinstance(cause, httpx2.TransportError):
        return HubUnreachable(ctx.repo_id, ctx.endpoint, "connection failed")
    if isinstance(cause, hf.HFValidationError):
        return RepoNotFound(ctx.repo_id, has_token=ctx.has_token)
    return HubError(
        f"reading {ctx.repo_id} from the Hub failed ({type(cause).__name__})",
        "rerun with --debug for details",
    )


def _retry_after(headers: Mapping[str, str]) -> int | None:
    """Seconds to wait: ``Retry-After``, else the ``t=`` of the IETF ``RateLimit`` header."""
    value = headers.get("Retry-After", "")
    if value.strip().isdigit():
        return int(value)
    for part in headers.get("RateLimit", "").split(";"):
        key, _, number = part.strip().partition("=")
        if key == "t" and number.isdigit():
            return int(number)
    return None
