"""Why a Hub look-up failed: one class per reason, each a one-line message with the fix as hint.

Every class is a ``HubError`` (exit code 1). Messages name the repo and what went wrong; hints
say what to do (log in, accept the licence, check the name, go online). No message ever holds
a token or the text of a server response.
"""

from __future__ import annotations

from advisor.errors import HubError

__all__ = [
    "GatedRepoError",
    "HubError",
    "HubOffline",
    "HubServerError",
    "HubTimeout",
    "HubUnreachable",
    "MalformedConfig",
    "NoModelFiles",
    "RateLimited",
    "RepoNotFound",
    "RevisionNotFound",
    "TooLarge",
]

LOGIN = "run `hf auth login` or set HF_TOKEN"


class GatedRepoError(HubError):
    """The repo asks users to accept its terms, and this token (or no token) has no access."""

    def __init__(self, repo_id: str, url: str, *, has_token: bool) -> None:
        if has_token:
            hint = f"accept the licence on {url} with the account of your token, then retry"
        else:
            hint = f"accept the licence on {url}, then {LOGIN}"
        super().__init__(f"{repo_id} is gated and you have no access to its files", hint)


class RepoNotFound(HubError):
    """No such model repo, or a private one this token cannot see."""

    def __init__(self, repo_id: str, *, has_token: bool) -> None:
        hint = "check the name (owner/name, case matters)"
        if not has_token:
            hint += f"; for a private repo {LOGIN}"
        super().__init__(f"no model {repo_id!r} on the Hub", hint)


class RevisionNotFound(HubError):
    """The repo exists but has no such branch, tag or commit."""

    def __init__(self, repo_id: str, revision: str) -> None:
        super().__init__(
            f"{repo_id} has no revision {revision!r}",
            "pass an existing branch, tag or commit to --revision (default: main)",
        )


class RateLimited(HubError):
    """The Hub answered 429 Too Many Requests."""

    def __init__(self, repo_id: str, retry_after_s: int | None, *, has_token: bool) -> None:
        wait = f"wait {retry_after_s} s" if retry_after_s else "wait a minute"
        hint = wait + " and retry" + ("" if has_token else f"; logged-in users get more ({LOGIN})")
        super().__init__(f"the Hub is rate-limiting requests (while reading {repo_id})", hint)


class HubOffline(HubError):
    """Offline mode is on and no cache holds the answer."""

    def __init__(self, repo_id: str) -> None:
        super().__init__(
            f"cannot ask the Hub about {repo_id}: offline mode is on (HF_HUB_OFFLINE) and no "
            "local cache has it",
            "go online (unset HF_HUB_OFFLINE), or pass a config.json path or a catalog id",
        )


class HubUnreachable(HubOffline):
    """The Hub could not be reached (no network, DNS, timeout) and no cache holds the answer."""

    def __init__(self, repo_id: str, endpoint: str, reason: str) -> None:
        HubError.__init__(
            self,
            f"cannot reach the Hub at {endpoint} for {repo_id} ({reason})",
            "check your connection (and HF_ENDPOINT if you use a mirror), or pass a config.json "
            "path or a catalog id",
        )


class HubTimeout(HubUnreachable):
    """The command's Hub deadline passed (a hung or crawling server, or too much to read)."""

    def __init__(self, repo_id: str, endpoint: str, deadline_s: float) -> None:
        HubError.__init__(
            self,
            f"the Hub at {endpoint} did not answer for {repo_id} within the {deadline_s:g} s "
            "deadline",
            "retry later, or allow more time with --timeout or ADVISOR_HUB_DEADLINE",
        )


class HubServerError(HubError):
    """The Hub answered with an error advisor has no better name for (5xx after a retry)."""

    def __init__(self, repo_id: str, status: int) -> None:
        super().__init__(
            f"the Hub answered HTTP {status} while reading {repo_id}", "try again in a few minutes"
        )


class MalformedConfig(HubError):
    """The repo's config.json (or safetensors header or index) cannot be read."""

    def __init__(self, repo_id: str, what: str) -> None:
        super().__init__(
            f"{repo_id}: {what}",
            "the repo's files are broken; download a fixed config.json and pass its path",
        )


class NoModelFiles(HubError):
    """The repo has nothing advisor can size a model from."""

    def __init__(self, repo_id: str) -> None:
        super().__init__(
            f"{repo_id} has no config.json, safetensors weights or GGUF files",
            "check that this is a model repo, or pass a config.json path",
        )


class TooLarge(MalformedConfig):
    """A file the Hub serves is larger than advisor reads for it (a hostile or broken repo)."""

    def __init__(self, repo_id: str, what: str, limit_bytes: int) -> None:
        HubError.__init__(
            self,
            f"{repo_id}: {what} is larger than the {limit_bytes // 1024:,} KiB advisor reads "
            "for it",
            "this is not a file advisor can size a model from; pass a config.json path",
        )
