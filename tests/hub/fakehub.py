"""A local HTTP server that answers the Hugging Face Hub's routes as the Hub does.

Routes, as huggingface_hub 2.x calls them (hf_api.py, file_download.py, utils/_http.py):
- ``GET /api/models/{repo}`` and ``/api/models/{repo}/revision/{rev}`` (``?blobs=true`` adds
  file sizes): the model info JSON.
- ``HEAD``/``GET /{repo}/resolve/{rev}/{file}``: the file, with ``ETag``, ``X-Repo-Commit``,
  ``Content-Length``, ``Accept-Ranges`` and ``Range`` support (206 + ``Content-Range``).
- Errors carry ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``,
  ``GatedRepo``) with the Hub's status codes: 401 for anonymous requests to missing or gated
  repos, 403 for a token without access to a gated repo, 404 otherwise; 429 when rate limited.

Faults a test can switch on (each is something a broken proxy or a hostile mirror does):
``ignore_range`` (answer every ranged GET with the whole file, 200), ``hang`` (never answer
requests whose path ends with one of these suffixes), ``slow`` (send those bodies at N bytes
per second), and repos with huge files (files are virtual, see below). ``sent_bytes`` counts
the body bytes the server actually wrote, so tests can bound what a client pulled.

Files are "virtual": a prefix of real bytes (a safetensors header) followed by zeros up to the
stated size, so a 1 GB checkpoint costs nothing, and the server records every request, which
lets tests prove that no weights were downloaded.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

WEIGHTS_THRESHOLD = 10_000_000
"""Whole-file GETs of weight files larger than this are refused (unless a fault is on)."""


@dataclass
class FakeFile:
    """A repo file: ``data``, then zeros up to ``size`` bytes."""

    data: bytes
    size: int | None = None

    @property
    def total(self) -> int:
        return self.size if self.size is not None else len(self.data)

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``start..end`` inclusive."""
        end = min(end, self.total - 1)
        head = self.data[start : end + 1]
        return head + bytes(max(0, end + 1 - max(start, len(self.data))))


@dataclass
class FakeRepo:
    """One model repo at one or more commits (all revisions share the files)."""

    repo_id: str
    files: dict[str, FakeFile]
    sha: str = "a" * 40
    revisions: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    gated: bool = False
    allowed_tokens: set[str] = field(default_factory=set)

    def commit(self, revision: str) -> str | None:
        if revision in ("main", self.sha):
            return self.sha
        if revision in self.revisions:
            return self.revisions[revision]
        if revision in self.revisions.values():
            return revision
        return None


@dataclass
class Request:
    method: str
    path: str
    range: str | None
    authorization: str | None


class FakeHub:
    """The server and what it knows. ``url`` is the HF_ENDPOINT to use."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Request] = []
        self.fail_next = 0
        """Answer the next N requests with 503."""
        self.rate_limited = False
        self.delay_s = 0.0
        """Wait this long before answering (to test timeouts)."""
        self.ignore_range = False
        self.hang: tuple[str, ...] = ()
        """Path suffixes that get no answer at all (until the server stops)."""
        self.slow: dict[str, float] = {}
        """Path suffix -> bytes per second for those bodies."""
        self.sent_bytes = 0
        self.listing: list[str] | None = None
        """Repo ids ``GET /api/models`` lists (None: every repo), most downloaded first."""
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.repo_id] = repo
        return repo

    def served_bytes(self, suffix: str) -> int:
        """Bytes the server was asked for from files ending in ``suffix`` (GETs only)."""
        total = 0
        for r in self.requests:
            if r.method != "GET" or not r.path.endswith(suffix) or "/resolve/" not in r.path:
                continue
            if r.range is None:
                return 1 << 62  # a whole-file download
            start, _, end = r.range.removeprefix("bytes=").partition("-")
            total += int(end) - int(start) + 1
        return total

    def log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def count_sent(self, n: int) -> None:
        with self._lock:
            self.sent_bytes += n

    def take_failure(self) -> bool:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return True
            return False


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests) is expected; anything else is reported."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")
_LIST = "/api/models"
_API = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+?)(?:/revision/(?P<rev>[^/]+))?$")


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes: without
        # this, each answer waits ~40 ms for the client's delayed ACK (a loopback artefact)

        def log_message(self, format: str, *args: Any) -> None:  # silence the default log
            return

        def do_GET(self) -> None:
            self._route(body=True)

        def do_HEAD(self) -> None:
            self._route(body=False)

        def _token(self) -> str | None:
            auth = self.headers.get("Authorization")
            return auth.removeprefix("Bearer ").strip() if auth else None

        def _send(
            self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, *,
            send_body: bool = True,
        ) -> None:  # fmt: skip
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if "Content-Length" not in (headers or {}):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and body:
                self.wfile.write(body)

        def _error(self, status: int, code: str | None, message: str, *, body: bool,
                   extra: dict[str, str] | None = None) -> None:  # fmt: skip
            payload = json.dumps({"error": message}).encode()
            headers = {"Content-Type": "application/json", "X-Error-Message": message}
            if code:
                headers["X-Error-Code"] = code
            headers.update(extra or {})
            self._send(status, payload, headers, send_body=body)

        def _route(self, *, body: bool) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            hub.log(Request(self.command, path, self.headers.get("Range"),
                            self.headers.get("Authorization")))  # fmt: skip
            if hub.delay_s:
                time.sleep(hub.delay_s)
            if hub.hang and path.endswith(hub.hang):
                hub.stopping.wait(60)
                return
            if hub.take_failure():
                self._error(503, None, "Service Unavailable", body=body)
                return
            if hub.rate_limited:
                self._error(429, None, "rate limited", body=body, extra={
                    "Retry-After": "42", "RateLimit": '"api";r=0;t=42',
                    "RateLimit-Policy": '"fixed window";"api";q=500;w=300',
                })  # fmt: skip
                return
            if path == _LIST:
                self._listing(parts.query, body=body)
                return
            api = _API.match(path)
            if api:
                self._model_info(api["repo"], api["rev"], "blobs=true" in parts.query, body=body)
                return
            resolve = _RESOLVE.match(path)
            if resolve:
                self._resolve(resolve["repo"], resolve["rev"], resolve["file"], body=body)
                return
            self._error(404, None, f"no route {path}", body=body)

        def _repo(self, repo_id: str, *, body: bool) -> FakeRepo | None:
            repo = hub.repos.get(repo_id)
            if repo is None:
                status = 404 if self._token() else 401
                self._error(status, "RepoNotFound", "Repository not found", body=body)
            return repo

        def _listing(self, query: str, *, body: bool) -> None:
            """``GET /api/models?pipeline_tag=T&filter=TAG&sort=downloads&limit=N``, as the Hub
            (every ``filter`` is a tag the repo must carry)."""
            from urllib.parse import parse_qs

            asked = parse_qs(query)
            tag = asked.get("pipeline_tag", [None])[0]
            limit = int(asked.get("limit", ["1000"])[0])
            ids = hub.listing if hub.listing is not None else list(hub.repos)
            docs = []
            for repo_id in ids:
                repo = hub.repos.get(repo_id)
                doc = _info_doc(repo, repo.sha, blobs=False) if repo else {"id": repo_id}
                wanted = set(asked.get("filter", []))
                if (tag is None or doc.get("pipeline_tag") == tag) and wanted <= set(
                    doc.get("tags") or []
                ):
                    docs.append(doc)
            if asked.get("sort") == ["downloads"]:
                docs.sort(key=lambda d: -int(d.get("downloads") or 0))
            data = json.dumps(docs[:limit]).encode()
            self._send(200, data, {"Content-Type": "application/json"}, send_body=body)

        def _model_info(self, repo_id: str, rev: str | None, blobs: bool, *, body: bool) -> None:
            repo = self._repo(repo_id, body=body)
            if repo is None:
                return
            commit = repo.commit(rev or "main")
            if commit is None:
                self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}", body=body)
                return
            data = json.dumps(_info_doc(repo, commit, blobs=blobs)).encode()
            self._send(200, data, {"Content-Type": "application/json"}, send_body=body)

        def _body(self, f: FakeFile, start: int, end: int) -> None:
            """Bytes ``start..end`` of ``f`` in chunks (slowly, for the ``slow`` fault)."""
            rate = next((r for sfx, r in hub.slow.items() if self.path.endswith(sfx)), None)
            step = 1 if rate else 1 << 16
            pos = start
            while pos <= end and not hub.stopping.is_set():
                chunk = f.read(pos, min(end, pos + step - 1))
                if rate:
                    time.sleep(len(chunk) / rate)
                self.wfile.write(chunk)
                hub.count_sent(len(chunk))
                pos += len(chunk)

        def _resolve(self, repo_id: str, rev: str, filename: str, *, body: bool) -> None:
            repo = self._repo(repo_id, body=body)
            if repo is None:
                return
            commit = repo.commit(rev)
            if commit is None:
                self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}", body=body)
                return
            token = self._token()
            if repo.gated and token not in repo.allowed_tokens:
                status = 403 if token else 401
                message = f"Access to model {repo_id} is restricted."
                self._error(status, "GatedRepo", message, body=body)
                return
            f = repo.files.get(filename)
            if f is None:
                self._error(404, "EntryNotFound", "Entry not found", body=body,
                            extra={"X-Repo-Commit": commit})  # fmt: skip
                return
            headers = {
                "ETag": '"' + hashlib.sha1(f.data + str(f.total).encode()).hexdigest() + '"',
                "X-Repo-Commit": commit,
                "Accept-Ranges": "bytes",
                "Content-Type": "application/octet-stream",
            }
            wanted = self.headers.get("Range")
            if wanted and self.command == "GET" and not hub.ignore_range:
                start_text, _, end_text = wanted.removeprefix("bytes=").partition("-")
                start = int(start_text)
                end = min(int(end_text) if end_text else f.total - 1, f.total - 1)
                headers["Content-Range"] = f"bytes {start}-{end}/{f.total}"
                headers["Content-Length"] = str(end - start + 1)
                self._send(206, b"", headers, send_body=False)
                self._body(f, start, end)
                return
            headers["Content-Length"] = str(f.total)
            if not body:
                self._send(200, b"", headers, send_body=False)
                return
            weights = filename.endswith((".safetensors", ".gguf", ".bin"))
            if weights and f.total > WEIGHTS_THRESHOLD and not (hub.ignore_range or hub.slow):
                self._error(500, None, "the fake Hub refuses to stream weights", body=True)
                return
            self._send(200, b"", headers, send_body=False)
            self._body(f, 0, f.total - 1)

    return Handler


def _info_doc(repo: FakeRepo, commit: str, *, blobs: bool) -> dict[str, Any]:
    """The model info JSON of ``repo`` at ``commit`` (the Hub's /api/models/{repo} answer)."""
    siblings = []
    for name, f in sorted(repo.files.items()):
        entry: dict[str, Any] = {"rfilename": name}
        if blobs:
            entry["size"] = f.total
            entry["blobId"] = hashlib.sha1(f.data).hexdigest()
        siblings.append(entry)
    owner = repo.repo_id.split("/")[0]
    return {
        "_id": "0" * 24, "id": repo.repo_id, "modelId": repo.repo_id, "author": owner,
        "sha": commit, "private": False, "disabled": False,
        "gated": "manual" if repo.gated else False,
        "createdAt": "2024-09-15T12:00:00.000Z", "lastModified": "2024-09-25T14:32:36.000Z",
        "likes": 1, "tags": [], "siblings": siblings, "spaces": [],
        **repo.info,
    }  # fmt: skip
