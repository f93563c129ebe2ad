"""Map a raw request path to a Hub route. The raw path is split on `/` before percent-decoding,
so `refs%2Fpr%2F1` stays one segment (research doc §4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import unquote

from .specs import RepoType

ExistsFn = Callable[[RepoType, str], bool]
_SHA1 = re.compile(r"[0-9a-f]{40}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FILE_ACTIONS = frozenset({"resolve", "resolve-cache", "cdn"})
_TYPES: dict[str, RepoType] = {"models": "model", "datasets": "dataset"}

#: Methods each action answers; anything else gets 405.
ALLOWED_METHODS: dict[str, frozenset[str]] = {
    "info": frozenset({"GET"}),
    "tree": frozenset({"GET"}),
    "paths-info": frozenset({"POST"}),
    "refs": frozenset({"GET"}),
    "list": frozenset({"GET"}),
    "agent": frozenset({"GET"}),
    "whoami": frozenset({"GET"}),
    "resolve": frozenset({"GET", "HEAD"}),
    "resolve-cache": frozenset({"GET", "HEAD"}),
    "cdn": frozenset({"GET", "HEAD"}),
}
_KIND_OF_ACTION = {
    "info": "info",
    "tree": "tree",
    "paths-info": "paths-info",
    "refs": "refs",
    "list": "list",
    "agent": "agent",
}


@dataclass(frozen=True)
class Route:
    """What a request addresses. `id_span` locates the repo id among the path segments."""

    action: str  # a key of ALLOWED_METHODS, or "unknown"
    kind: str
    repo_type: RepoType | None = None
    repo_id: str | None = None
    revision: str | None = None
    path: str = ""
    id_span: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class _Tail:
    action: str
    revision: str | None = None
    path: str = ""


def split_path(raw_path: str) -> tuple[list[str], list[str]]:
    """Raw and percent-decoded segments of a path, without the leading empty segment."""
    raw = raw_path.split("/")[1:] if raw_path.startswith("/") else raw_path.split("/")
    return raw, [unquote(segment) for segment in raw]


def kind_of(action: str, method: str) -> str:
    if action in _FILE_ACTIONS:
        return "head" if method == "HEAD" else "get"
    return _KIND_OF_ACTION.get(action, "other")


def parse_route(method: str, segments: list[str], exists: ExistsFn) -> Route:
    """Route a request of the main listener, given its decoded path segments."""
    route = _parse(segments, exists)
    return replace(route, kind=kind_of(route.action, method))


def parse_cdn_route(method: str, segments: list[str], repo: str | None, repo_type: str) -> Route:
    """Route a request of the LFS listener: `/lfs/<sha256>?repo=<id>&type=<model|dataset>`."""
    kind = kind_of("cdn", method)
    rtype: RepoType = "dataset" if repo_type == "dataset" else "model"
    if len(segments) == 2 and segments[0] == "lfs" and _SHA256.fullmatch(segments[1]):
        return Route("cdn", kind, rtype, repo, path=segments[1])
    return Route("unknown", kind, rtype, repo)


def _parse(segs: list[str], exists: ExistsFn) -> Route:
    if segs[:1] == ["api"]:
        rest = segs[1:]
        if rest == ["agent-harnesses"]:
            return Route("agent", "")
        if rest == ["whoami-v2"]:
            return Route("whoami", "")
        if len(rest) == 1 and rest[0] in _TYPES:
            return Route("list", "", _TYPES[rest[0]])
        if len(rest) >= 2 and rest[0] in _TYPES:
            found = _pick(_TYPES[rest[0]], segs, 2, _api_tail, exists)
            return found or Route("unknown", "")
        if len(rest) >= 4 and rest[0] == "resolve-cache" and rest[1] in _TYPES:
            found = _pick(_TYPES[rest[1]], segs, 3, _resolve_cache_tail, exists)
            return found or Route("unknown", "")
        return Route("unknown", "")
    if segs[:1] == ["datasets"]:
        return _pick("dataset", segs, 1, _resolve_tail, exists) or Route("unknown", "")
    return _pick("model", segs, 0, _resolve_tail, exists) or Route("unknown", "")


def _pick(
    repo_type: RepoType,
    segs: list[str],
    offset: int,
    tail_parser: Callable[[list[str]], _Tail | None],
    exists: ExistsFn,
) -> Route | None:
    """Try `owner/name` then a namespace-less `name` as the repo id; prefer one that exists."""
    candidates: list[Route] = []
    for width in (2, 1):
        ident = segs[offset : offset + width]
        if len(ident) < width or not all(ident):
            continue
        tail = tail_parser(segs[offset + width :])
        if tail is not None:
            candidates.append(
                Route(
                    tail.action,
                    "",
                    repo_type,
                    "/".join(ident),
                    tail.revision,
                    tail.path,
                    (offset, offset + width),
                )
            )
    for route in candidates:
        if route.repo_id is not None and exists(repo_type, route.repo_id):
            return route
    return candidates[0] if candidates else None


def _api_tail(tail: list[str]) -> _Tail | None:
    if not tail:
        return _Tail("info")
    head, rest = tail[0], tail[1:]
    if head == "revision" and rest and all(rest):
        return _Tail("info", "/".join(rest))
    if head == "tree" and rest and rest[0]:
        return _Tail("tree", rest[0], "/".join(rest[1:]).strip("/"))
    if head == "paths-info" and len(rest) == 1 and rest[0]:
        return _Tail("paths-info", rest[0])
    if tail == ["refs"]:
        return _Tail("refs")
    return None


def _resolve_tail(tail: list[str]) -> _Tail | None:
    if len(tail) >= 3 and tail[0] == "resolve" and tail[1] and all(tail[2:]):
        return _Tail("resolve", tail[1], "/".join(tail[2:]))
    return None


def _resolve_cache_tail(tail: list[str]) -> _Tail | None:
    if len(tail) >= 2 and _SHA1.fullmatch(tail[0]) and all(tail[1:]):
        return _Tail("resolve-cache", tail[0], "/".join(tail[1:]))
    return None
