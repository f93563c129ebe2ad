"""Route handlers: (route, request) -> response, following the Hub's wire protocol (doc §4, §5)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from .carddata import JsonDict
from .repo import Blob, Repo, Revision
from .routes import ALLOWED_METHODS, Route, split_path
from .state import HubState
from .wire import Request, Response, error_response, file_response, json_response, redirect

_SORT_KEYS = {"lastModified", "createdAt", "downloads", "likes", "trendingScore"}
_DISABLED = "Access to this resource is disabled."


@dataclass(frozen=True)
class Settings:
    """Server behaviour switches (fixed for the lifetime of a double)."""

    resolve_cache_redirect: bool = True
    tree_page_size: int = 1000
    list_page_size: int = 1000


@dataclass(frozen=True)
class Context:
    state: HubState
    settings: Settings
    cdn_url: str


Handler = Callable[[Context, Route, Request], Response]


def dispatch(ctx: Context, route: Route, request: Request) -> Response:
    allowed = ALLOWED_METHODS.get(route.action)
    if allowed is None:
        return error_response(404, "Sorry, we can't find the page you are looking for.")
    if request.method not in allowed:
        return error_response(
            405,
            f"Method {request.method} not allowed",
            headers=[("Allow", ", ".join(sorted(allowed)))],
        )
    return _HANDLERS[route.action](ctx, route, request)


# -- access checks ---------------------------------------------------------------------------


def _open_repo(ctx: Context, route: Route, request: Request) -> Repo | Response:
    """The repo, or the error the Hub gives: RepoNotFound (401/404), 307 if renamed, disabled."""
    repo = _lookup(ctx, route)
    if repo is None or not repo.visible_to(request.token):
        if request.token is None:
            return error_response(401, "Invalid username or password.", code="RepoNotFound")
        return error_response(404, "Repository not found", code="RepoNotFound")
    if repo.spec.renamed_to:
        return redirect(307, _renamed_location(repo.spec.renamed_to, route, request))
    if repo.spec.disabled:
        return error_response(403, _DISABLED)
    return repo


def _lookup(ctx: Context, route: Route) -> Repo | None:
    if route.repo_type is None or route.repo_id is None:
        return None
    return ctx.state.get(route.repo_type, route.repo_id)


def _renamed_location(new_id: str, route: Route, request: Request) -> str:
    raw, _ = split_path(request.raw_path)
    start, end = route.id_span
    path = "/" + "/".join([*raw[:start], *new_id.split("/"), *raw[end:]])
    return f"{path}?{request.query}" if request.query else path


def _open_revision(repo: Repo, name: str) -> Revision | Response:
    revision = repo.resolve(name)
    if revision is None:
        return error_response(404, f"Invalid rev id: {name}", code="RevisionNotFound")
    return revision


def _open(ctx: Context, route: Route, request: Request) -> tuple[Repo, Revision] | Response:
    repo = _open_repo(ctx, route, request)
    if isinstance(repo, Response):
        return repo
    revision = _open_revision(repo, route.revision or "main")
    if isinstance(revision, Response):
        return revision
    return repo, revision


def _gated_error(repo: Repo, request: Request) -> Response:
    what = f"{repo.repo_type} {repo.repo_id}"
    if request.token is None:
        message = (
            f"Access to {what} is restricted. You must have access to it and be authenticated "
            "to access it. Please log in."
        )
        return error_response(401, message, code="GatedRepo")
    prefix = "datasets/" if repo.repo_type == "dataset" else ""
    message = (
        f"Access to {what} is restricted and you are not in the authorized list. "
        f"Visit {request.base_url}/{prefix}{repo.repo_id} to ask for access."
    )
    return error_response(403, message, code="GatedRepo")


def _entry_not_found(path: str, revision: Revision, name: str) -> Response:
    return error_response(
        404,
        f'{path} does not exist on "{name}"',
        code="EntryNotFound",
        headers=[("X-Repo-Commit", revision.sha)],
    )


# -- JSON API ----------------------------------------------------------------------------------


def _info(ctx: Context, route: Route, request: Request) -> Response:
    opened = _open(ctx, route, request)
    if isinstance(opened, Response):
        return opened
    repo, revision = opened
    expand = request.params.get("expand", [])
    blobs, security = request.flag("blobs"), request.flag("securityStatus")
    if expand and (blobs or security):
        return error_response(400, "expand cannot be combined with blobs or securityStatus")
    return json_response(
        200, repo.info(revision, blobs=blobs, security_status=security, expand=expand)
    )


def _tree(ctx: Context, route: Route, request: Request) -> Response:
    opened = _open(ctx, route, request)
    if isinstance(opened, Response):
        return opened
    _, revision = opened
    entries = revision.listing(route.path, recursive=request.flag("recursive"))
    if entries is None:
        return _entry_not_found(route.path, revision, route.revision or "main")
    return _paginated(entries, request, ctx.settings.tree_page_size)


def _paths_info(ctx: Context, route: Route, request: Request) -> Response:
    opened = _open(ctx, route, request)
    if isinstance(opened, Response):
        return opened
    _, revision = opened
    paths = _requested_paths(request)
    if paths is None:
        return error_response(400, "Invalid body: expected form or JSON with 'paths'")
    unique = dict.fromkeys(path.strip("/") for path in paths)
    return json_response(200, [e for p in unique if (e := revision.entry(p)) is not None])


def _requested_paths(request: Request) -> list[str] | None:
    content_type = (request.header("content-type") or "").lower()
    try:
        if "json" in content_type:
            body: Any = json.loads(request.body or b"{}")
            paths = body.get("paths", []) if isinstance(body, dict) else None
        else:
            form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
            paths = form.get("paths", [])
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        return None
    return paths


def _refs(ctx: Context, route: Route, request: Request) -> Response:
    repo = _open_repo(ctx, route, request)
    if isinstance(repo, Response):
        return repo
    payload: JsonDict = {
        "branches": [
            {"name": name, "ref": f"refs/heads/{name}", "targetCommit": rev.sha}
            for name, rev in repo.branches.items()
        ],
        "converts": [],
        "tags": [],
    }
    if request.flag("include_prs"):
        payload["pullRequests"] = []
    return json_response(200, payload)


def _list(ctx: Context, route: Route, request: Request) -> Response:
    assert route.repo_type is not None
    repos = [
        repo
        for repo in ctx.state.repos(route.repo_type)
        if repo.visible_to(request.token) and not repo.spec.renamed_to
    ]
    repos = _filter_listing(repos, request)
    sort = request.param("sort")
    repos.sort(key=lambda repo: repo.repo_id)
    if sort in _SORT_KEYS:
        repos.sort(key=lambda repo: repo.info(repo.main).get(sort) or 0, reverse=True)
    limit = request.param("limit")
    if limit is not None and limit.isdigit():
        repos = repos[: int(limit)]
    full, card = request.flag("full"), request.flag("cardData")
    expand = request.params.get("expand", [])
    items = [repo.list_item(full=full, card_data=card, expand=expand) for repo in repos]
    return _paginated(items, request, ctx.settings.list_page_size)


def _filter_listing(repos: list[Repo], request: Request) -> list[Repo]:
    search = (request.param("search") or "").lower()
    author = (request.param("author") or "").lower()
    filters = request.params.get("filter", [])
    gated = request.param("gated")
    kept = []
    for repo in repos:
        tags = set(repo.info(repo.main).get("tags") or [])
        if search and search not in repo.repo_id.lower():
            continue
        if author and repo.repo_id.lower().split("/")[0] != author:
            continue
        if not all(f in tags or f == repo.repo_id for f in filters):
            continue
        if gated is not None and (repo.spec.gated is not None) != (gated.lower() == "true"):
            continue
        kept.append(repo)
    return kept


def _paginated(items: Sequence[Any], request: Request, page_size: int) -> Response:
    """One page of `items` and, if more remain, an absolute `Link: <...>; rel="next"`."""
    offset = _decode_cursor(request.param("cursor"))
    if offset is None:
        return error_response(400, "Invalid cursor")
    end = offset + max(page_size, 1)
    headers: list[tuple[str, str]] = []
    if end < len(items):
        query = [(k, v) for k, values in request.params.items() if k != "cursor" for v in values]
        query.append(("cursor", _encode_cursor(end)))
        url = f"{request.base_url}{request.raw_path}?{urlencode(query)}"
        headers.append(("Link", f'<{url}>; rel="next"'))
    return json_response(200, list(items[offset:end]), headers)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None


def _whoami(ctx: Context, route: Route, request: Request) -> Response:
    if request.token is None:
        return error_response(401, "Invalid credentials in Authorization header")
    return json_response(
        200,
        {
            "type": "user",
            "name": "hubdouble-user",
            "fullname": "Hub Double",
            "auth": {
                "type": "access_token",
                "accessToken": {"displayName": "hubdouble", "role": "read"},
            },
        },
    )


def _agent(ctx: Context, route: Route, request: Request) -> Response:
    return json_response(200, {"standardEnvVars": [], "harnesses": {}})


# -- file routes ------------------------------------------------------------------------------


def _resolve(ctx: Context, route: Route, request: Request) -> Response:
    """HEAD/GET of `/{id}/resolve/{rev}/{path}` and of `/api/resolve-cache/...`."""
    opened = _open(ctx, route, request)
    if isinstance(opened, Response):
        return opened
    repo, revision = opened
    if not repo.gate_open(request.token, route.path):
        return _gated_error(repo, request)
    blob = revision.files.get(route.path)
    if blob is None:
        return _entry_not_found(route.path, revision, route.revision or "main")
    commit = [("X-Repo-Commit", revision.sha)]
    if blob.lfs_sha256 is not None:
        return redirect(302, _cdn_location(ctx, repo, blob), [*commit, *_linked_headers(blob)])
    if route.action == "resolve" and ctx.settings.resolve_cache_redirect and _cacheable(repo, blob):
        return redirect(307, _resolve_cache_location(repo, revision, blob, request), commit)
    return file_response(request, blob.data, [*commit, ("ETag", f'"{blob.oid}"')])


def _cacheable(repo: Repo, blob: Blob) -> bool:
    """Whether the real Hub serves the file through the resolve-cache redirect (doc §4.6)."""
    public = not repo.spec.private and repo.spec.gated is None
    return public and blob.size > 0 and "/" in repo.repo_id


def _resolve_cache_location(repo: Repo, revision: Revision, blob: Blob, request: Request) -> str:
    origin = quote(request.raw_path, safe="")
    return (
        f"/api/resolve-cache/{repo.repo_type}s/{repo.repo_id}/{revision.sha}/{quote(blob.path)}"
        f"?{origin}=&etag=%22{blob.oid}%22"
    )


def _cdn_location(ctx: Context, repo: Repo, blob: Blob) -> str:
    query = urlencode({"repo": repo.repo_id, "type": repo.repo_type, "filename": blob.path})
    return f"{ctx.cdn_url}/lfs/{blob.lfs_sha256}?{query}"


def _linked_headers(blob: Blob) -> Iterable[tuple[str, str]]:
    return [
        ("ETag", f'"{blob.oid}"'),
        ("X-Linked-Etag", f'"{blob.lfs_sha256}"'),
        ("X-Linked-Size", str(blob.size)),
    ]


def _cdn(ctx: Context, route: Route, request: Request) -> Response:
    """The LFS listener: content addressed by sha256, no auth (like a signed CDN URL)."""
    repo = _lookup(ctx, route)
    blob = repo.lfs.get(route.path) if repo is not None else None
    if blob is None:
        return error_response(404, "Not Found")
    return file_response(request, blob.data, [("ETag", f'"{blob.lfs_sha256}"')])


_HANDLERS: dict[str, Handler] = {
    "info": _info,
    "tree": _tree,
    "paths-info": _paths_info,
    "refs": _refs,
    "list": _list,
    "whoami": _whoami,
    "agent": _agent,
    "resolve": _resolve,
    "resolve-cache": _resolve,
    "cdn": _cdn,
}
