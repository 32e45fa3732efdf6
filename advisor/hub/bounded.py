"""Every Hub request advisor makes, bounded in time, bytes and count.

Requests go through huggingface_hub's own HTTP session (``get_session()``: its proxies, its
user-agent, a client factory the user installed) with its headers (``build_hf_headers``), but
advisor reads the answers itself, as a stream:

- **bytes**: each kind of file has a cap (``CONFIG_MAX_BYTES``...); a body is read chunk by chunk
  and dropped as soon as it passes the cap. A ranged read takes only the bytes it asked for, so
  a server that ignores ``Range`` and starts sending a 3 GB file costs the same as one that
  honours it: the stream is closed after the header.
- **time**: one request may take ``HF_HUB_ETAG_TIMEOUT`` seconds in all (connect, wait and
  body: a body trickling at 1 byte/s is cut off there, not after the last byte), and all
  requests of a command share one deadline (``advisor.hub.deadline``).
- **retries**: one policy, advisor's: one retry after a failed or dropped connection (connect
  timeouts included) or a 5xx answer, if the deadline leaves time for it; a server that accepted
  the request and then stalls is not asked again; huggingface_hub's own retry loop
  (``http_backoff``) is not used for these reads. The listing (``HfApi.list_models``) keeps
  huggingface_hub's retries (its pagination calls ``http_backoff``, without a timeout) and is
  cut off by the deadline instead (``run_bounded``): the caller gets its answer or a
  ``HubTimeout`` in time, while a hung request may linger in a daemon thread until the server
  lets go or the process ends.
"""

from __future__ import annotations

import json
import struct
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from advisor.hub import env
from advisor.hub.deadline import Deadline
from advisor.hub.errors import (
    GatedRepoError,
    HubError,
    HubOffline,
    HubServerError,
    HubTimeout,
    HubUnreachable,
    MalformedConfig,
    RateLimited,
    RepoNotFound,
    RevisionNotFound,
    TooLarge,
)

if TYPE_CHECKING:
    import httpx2

_T = TypeVar("_T")

RETRY_PAUSE_S = 0.5
"""Pause before the one retry: long enough for a restarting proxy, short for a person waiting."""
INFO_MAX_BYTES = 16 << 20
"""Model info JSON: a repo with 5,000 files and their sizes is about 1 MB."""
CONFIG_MAX_BYTES = 4 << 20
"""config.json: the largest real ones (ImageNet-21k label maps) are under 2 MB."""
INDEX_MAX_BYTES = 16 << 20
"""model.safetensors.index.json: a 405B model's index (~2,000 tensors) is about 100 kB."""
HEADER_MAX_BYTES = 16 << 20
"""One safetensors header; huggingface_hub allows 25 MB, the largest real ones are ~1 MB."""
HEADER_FIRST_READ = 100_000
"""First ranged read of a safetensors file, as huggingface_hub's own (hf_api.py)."""
ERROR_MAX_BYTES = 64 << 10
"""Of an error answer only the start is read (huggingface_hub looks at its JSON message)."""


class Context:
    """What requests and error messages need: repo, revision, endpoint, token, deadline."""

    def __init__(
        self,
        repo_id: str,
        revision: str | None,
        endpoint: str,
        token: str | bool,
        deadline: Deadline,
    ) -> None:
        self.repo_id = repo_id
        self.revision = revision
        self.endpoint = endpoint
        self.token = token
        self.has_token = bool(token)
        self.deadline = deadline


class _Slow(Exception):
    """One answer took longer than the per-request limit (retryable, like a timeout)."""


def read(
    ctx: Context,
    url: str,
    *,
    what: str,
    cap: int,
    params: Mapping[str, Any] | None = None,
    byte_range: tuple[int, int] | None = None,
) -> tuple[int, bytes]:
    """(status, body) of one GET, retried once as the module docstring says.

    Without ``byte_range`` a body longer than ``cap`` is ``TooLarge``; with one, at most
    ``cap`` bytes are read and the rest of the stream is dropped.
    """
    return call(ctx, what, lambda: _read_once(ctx, url, what, cap, params, byte_range))


def read_json(
    ctx: Context, url: str, *, what: str, cap: int, params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A JSON object from ``url``; ``MalformedConfig`` when it is not one."""
    _, body = read(ctx, url, what=what, cap=cap, params=params)
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise MalformedConfig(ctx.repo_id, f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedConfig(
            ctx.repo_id, f"{what} is not valid JSON (line {exc.lineno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise MalformedConfig(ctx.repo_id, f"{what} is nested too deeply") from None
    if not isinstance(data, dict):
        raise MalformedConfig(ctx.repo_id, f"{what} is not a JSON object")
    return data


def safetensors_header(ctx: Context, url: str, filename: str) -> dict[str, Any]:
    """The JSON header of a safetensors file: 8-byte little-endian length, then the header.

    One ranged read of ``HEADER_FIRST_READ`` bytes, and a second for the rest of a longer
    header; whatever the server sends beyond those bytes is never read.
    """
    status, head = read(
        ctx, url, what=filename, cap=HEADER_FIRST_READ, byte_range=(0, HEADER_FIRST_READ - 1)
    )
    if len(head) < 8:
        raise MalformedConfig(ctx.repo_id, f"{filename} is too short for a safetensors header")
    (length,) = struct.unpack("<Q", head[:8])
    if length > HEADER_MAX_BYTES:
        raise TooLarge(ctx.repo_id, f"the safetensors header of {filename}", HEADER_MAX_BYTES)
    if 8 + length <= len(head):
        raw = head[8 : 8 + length]
    else:
        status, rest = read(ctx, url, what=filename, cap=8 + length, byte_range=(8, 8 + length - 1))
        raw = rest[:length] if status == 206 else rest[8 : 8 + length]  # 200: Range ignored
        if len(raw) < length:
            raise MalformedConfig(ctx.repo_id, f"{filename} ends inside its safetensors header")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise MalformedConfig(ctx.repo_id, "a safetensors header is not readable") from None
    if not isinstance(header, dict):
        raise MalformedConfig(ctx.repo_id, "a safetensors header is not readable")
    return header


def call(ctx: Context, what: str, request: Callable[[], _T]) -> _T:
    """Run ``request``; retry once after a transient failure if the deadline allows."""
    for attempt in (1, 2):
        if ctx.deadline.remaining() <= 0:
            raise HubTimeout(ctx.repo_id, ctx.endpoint, ctx.deadline.seconds)
        try:
            return request()
        except HubError:
            raise
        except Exception as exc:
            if ctx.deadline.remaining() <= 0:
                raise HubTimeout(ctx.repo_id, ctx.endpoint, ctx.deadline.seconds) from None
            if attempt == 1 and _retryable(exc) and ctx.deadline.remaining() > RETRY_PAUSE_S:
                time.sleep(RETRY_PAUSE_S)
                continue
            if isinstance(exc, _Slow):
                limit = f"{env.timeout_s():g} s"
                raise HubUnreachable(
                    ctx.repo_id, ctx.endpoint, f"{what} did not arrive within {limit}"
                ) from None
            raise translate(exc, ctx) from exc
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def run_bounded(ctx: Context, what: str, request: Callable[[], _T]) -> _T:
    """Run a huggingface_hub call that takes no byte cap (the listing) under the deadline.

    It runs in a daemon thread; when the deadline passes first, the caller gets ``HubTimeout``
    and the thread is abandoned (it cannot keep the process alive).
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = request()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, name="advisor-hub", daemon=True)
    worker.start()
    worker.join(ctx.deadline.remaining())
    if worker.is_alive():
        raise HubTimeout(ctx.repo_id, ctx.endpoint, ctx.deadline.seconds)
    if "error" in box:
        error = box["error"]
        if isinstance(error, HubError):
            raise error
        raise translate(error, ctx) from error
    value: _T = box["value"]
    return value


def online() -> None:
    """Tell huggingface_hub that requests are allowed now.

    It reads HF_HUB_OFFLINE once, at import, and refuses every request when it was set then;
    advisor decides from the environment as it is now (``env.offline()``, checked by callers).
    """
    from huggingface_hub import constants as hf_constants

    hf_constants.HF_HUB_OFFLINE = False


def _read_once(
    ctx: Context,
    url: str,
    what: str,
    cap: int,
    params: Mapping[str, Any] | None,
    byte_range: tuple[int, int] | None,
) -> tuple[int, bytes]:
    import httpx2
    from huggingface_hub import get_session, hf_raise_for_status
    from huggingface_hub.utils._headers import build_hf_headers

    online()
    limit = min(env.timeout_s(), ctx.deadline.remaining())
    ends = time.monotonic() + limit
    headers = build_hf_headers(token=ctx.token, library_name="advisor")
    if byte_range is not None:
        headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
    with get_session().stream(
        "GET",
        url,
        headers=headers,
        params=dict(params or {}),
        timeout=httpx2.Timeout(limit),
        follow_redirects=True,
    ) as response:
        if response.status_code >= 400:
            body = _drain(response, ERROR_MAX_BYTES, ends, strict=False)
            copy = httpx2.Response(
                response.status_code,
                headers=response.headers,
                content=body,
                request=response.request,
            )
            hf_raise_for_status(copy)
        body = _drain(response, cap, ends, strict=byte_range is None)
        if body is None:
            raise TooLarge(ctx.repo_id, what, cap)
        return response.status_code, body


def _drain(response: httpx2.Response, cap: int, ends: float, *, strict: bool) -> Any:
    """Up to ``cap`` bytes of the body; None when ``strict`` and there is more."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            if strict:
                return None
            break
        if time.monotonic() > ends:
            raise _Slow()
    return b"".join(chunks)[:cap]


def _root_cause(exc: BaseException) -> BaseException:
    """huggingface_hub wraps connection failures in LocalEntryNotFoundError; unwrap them."""
    from huggingface_hub.errors import LocalEntryNotFoundError

    while isinstance(exc, LocalEntryNotFoundError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def _retryable(exc: BaseException) -> bool:
    # httpx2 is the HTTP client huggingface_hub 2.x uses (pinned in pyproject.toml); its
    # transport errors are what a dropped connection or a timeout looks like from here.
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(exc, _Slow):
        return False  # a server that stalls once stalls again: the time is better left unspent
    cause = _root_cause(exc)
    if isinstance(cause, HfHubHTTPError):
        return cause.response is not None and cause.response.status_code >= 500
    if isinstance(cause, httpx2.TimeoutException):
        return isinstance(cause, httpx2.ConnectTimeout)  # a lost SYN, not a hung server
    return isinstance(cause, httpx2.TransportError) and not isinstance(cause, httpx2.ProxyError)


def translate(exc: BaseException, ctx: Context) -> HubError:
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
    if isinstance(cause, (httpx2.TransportError, httpx2.InvalidURL)):
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
