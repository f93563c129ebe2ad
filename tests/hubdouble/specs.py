"""Public value types of the Hub double: repository specs, faults and request-log records."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FileContent = str | bytes
GateMode = Literal["auto", "manual"]
RepoType = Literal["model", "dataset"]

#: Kinds a logged request can have.
KINDS: frozenset[str] = frozenset(
    {"info", "tree", "paths-info", "refs", "head", "get", "list", "agent", "other"}
)
#: Names that select several kinds at once (for `Fault.scope` and `HubDouble.count`).
KIND_GROUPS: Mapping[str, frozenset[str]] = {
    "resolve": frozenset({"head", "get"}),
    "api": frozenset({"info", "tree", "paths-info", "refs", "list"}),
    "all": KINDS - {"agent"},
}
#: Every valid `Fault.scope` / `count(kind=...)` selector; "cdn" selects the LFS listener.
SELECTORS: frozenset[str] = KINDS | frozenset(KIND_GROUPS) | {"cdn"}


def kind_matches(selector: str, kind: str, listener: str) -> bool:
    """Whether a request of `kind` served by `listener` ("hub" or "cdn") matches `selector`."""
    if selector == "cdn":
        return listener == "cdn"
    group = KIND_GROUPS.get(selector)
    return kind in group if group is not None else kind == selector


@dataclass
class RepoSpec:
    """A repository to serve. `files` is the tree of the `main` branch."""

    repo_id: str
    files: Mapping[str, FileContent] = field(default_factory=dict)
    #: Extra branches, each a full file tree: {"v2": {"README.md": "..."}}.
    branches: Mapping[str, Mapping[str, FileContent]] | None = None
    gated: GateMode | None = None
    #: Tokens let through the gate and allowed to see a private repo.
    approved_tokens: Collection[str] = ()
    private: bool = False
    disabled: bool = False
    #: JSON used as `cardData` instead of parsing the README front matter.
    card_data: Mapping[str, Any] | None = None
    #: Shallow-merged over the generated info JSON (top-level keys replaced).
    info_override: Mapping[str, Any] | None = None
    #: Files downloadable from a gated repo without approval (e.g. "README.md").
    gate_exempt: Collection[str] = ()
    #: The repo was renamed: every route answers 307 to the same route under this id.
    renamed_to: str | None = None


@dataclass
class Fault:
    """A staged failure. `repo_id=None` applies to every request (including listings)."""

    repo_id: str | None = None
    status: int | None = None
    delay_s: float = 0.0
    #: None: forever; N: only the first N matching requests.
    times: int | None = None
    #: A kind, a group ("all" = every kind but "agent", "api", "resolve") or "cdn" (LFS listener).
    scope: str = "all"
    #: For 429: value of `Retry-After` and of the `t=` reset in `RateLimit` (default 0).
    retry_after: int | None = None
    message: str | None = None
    #: Sent as `X-Error-Code` (e.g. "RepoNotFound") when set.
    error_code: str | None = None
    headers: Mapping[str, str] | None = None
    #: Close the connection without answering (a transport error on the client side).
    drop_connection: bool = False
    #: Restrict a repo fault to one repo type; None matches both.
    repo_type: RepoType | None = None

    def __post_init__(self) -> None:
        if self.scope not in SELECTORS:
            expected = ", ".join(sorted(SELECTORS))
            raise ValueError(f"unknown fault scope {self.scope!r}; expected one of {expected}")
        if self.status is None and self.delay_s <= 0 and not self.drop_connection:
            raise ValueError("a Fault needs a status, a positive delay_s or drop_connection=True")
        if self.times is not None and self.times < 0:
            raise ValueError("Fault.times must be None or >= 0")


@dataclass(frozen=True)
class RequestRecord:
    """One served request. Never holds the token: only whether one was sent."""

    method: str
    path: str
    query: str
    status: int
    repo_id: str | None
    kind: str
    authorized: bool
    user_agent: str | None
    duration_s: float
    repo_type: RepoType | None = None
    range: str | None = None
    #: "hub" (the main listener) or "cdn" (the LFS listener).
    listener: str = "hub"
