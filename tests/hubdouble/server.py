"""The Hub double: two threaded HTTP listeners on 127.0.0.1 (the Hub and an "LFS CDN")
serving in-memory repos to the real `huggingface_hub` client. Standard library only."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs

from .fixtree import iter_fixture_repos
from .handlers import Context, Settings, dispatch
from .routes import Route, parse_cdn_route, parse_route, split_path
from .specs import Fault, RepoSpec, RepoType, RequestRecord, kind_matches
from .state import HubState
from .wire import Request, Response, error_response

logger = logging.getLogger(__name__)
_INLINE_BODY_LIMIT = 64 * 1024


class HubDouble:
    """An in-process imitation of the Hugging Face Hub for the real `huggingface_hub` client.

    Repos, faults and the request log are managed from Python; nothing admin-like is exposed
    over HTTP. Start it (or use it as a context manager) and point the client at `url`.
    """

    def __init__(
        self,
        latency_ms: float = 0,
        *,
        resolve_cache_redirect: bool = True,
        tree_page_size: int = 1000,
        list_page_size: int = 1000,
        host: str = "127.0.0.1",
        port: int = 0,
        cdn_port: int = 0,
    ) -> None:
        #: Sleep added to every request (both listeners); may be changed while running.
        self.latency_ms = latency_ms
        self.settings = Settings(resolve_cache_redirect, tree_page_size, list_page_size)
        self._state = HubState()
        self._address = (host, port, cdn_port)
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._cdn_origin = ""  # kept after stop() so late handler threads still answer sanely

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> HubDouble:
        if self._servers:
            return self
        host, port, cdn_port = self._address
        self._servers = [_Server((host, port), self, "hub"), _Server((host, cdn_port), self, "cdn")]
        self._cdn_origin = self.cdn_url
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.5},
                name=f"hubdouble-{server.listener}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        servers, threads = self._servers, self._threads
        self._servers, self._threads = [], []
        for server in servers:
            server.stop()
        for thread in threads:
            thread.join(timeout=5)

    def __enter__(self) -> HubDouble:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, the value for `HF_ENDPOINT`."""
        return self._listener_url(0)

    @property
    def cdn_url(self) -> str:
        """Origin of the second listener that serves LFS content (like a CDN)."""
        return self._listener_url(1)

    def _listener_url(self, index: int) -> str:
        if not self._servers:
            raise RuntimeError("HubDouble is not started")
        host, port = cast(tuple[str, int], self._servers[index].server_address)[:2]
        return f"http://{host}:{port}"

    # -- repositories ---------------------------------------------------------------------------

    def add_model(self, spec: RepoSpec) -> str:
        """Add or replace a model repo; returns the commit sha of `main`."""
        return self._state.put("model", spec).main.sha

    def add_dataset(self, spec: RepoSpec) -> str:
        """Add or replace a dataset repo; returns the commit sha of `main`."""
        return self._state.put("dataset", spec).main.sha

    def remove_repo(self, repo_id: str, repo_type: RepoType | None = None) -> bool:
        """Remove a repo (of any type when `repo_type` is None); True if something was removed."""
        return self._state.remove(repo_id, repo_type)

    def sha(self, repo_id: str, revision: str = "main", repo_type: RepoType = "model") -> str:
        """The commit sha a revision currently resolves to (KeyError if unknown)."""
        repo = self._state.get(repo_type, repo_id)
        resolved = repo.resolve(revision) if repo is not None else None
        if resolved is None:
            raise KeyError(f"{repo_type} {repo_id}@{revision}")
        return resolved.sha

    def load_tree(self, root: str | Path) -> list[str]:
        """Add every repo of a fixture directory (see `fixtree`); returns the repo ids added."""
        added = []
        for repo_type, spec in iter_fixture_repos(Path(root)):
            self._state.put(repo_type, spec)
            added.append(spec.repo_id if repo_type == "model" else f"datasets/{spec.repo_id}")
        return added

    # -- faults, log, tokens --------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        return self._state.add_fault(fault)

    def remove_fault(self, fault: Fault) -> None:
        self._state.remove_fault(fault)

    def clear_faults(self) -> None:
        self._state.clear_faults()

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        return self._state.records()

    def count(
        self,
        repo_id: str | None = None,
        kind: str | None = None,
        *,
        method: str | None = None,
        status: int | None = None,
        repo_type: RepoType | None = None,
    ) -> int:
        """Logged requests matching every given filter; `kind` may also be a group or "cdn"."""
        return sum(
            1
            for r in self._state.records()
            if (repo_id is None or r.repo_id == repo_id)
            and (kind is None or kind_matches(kind, r.kind, r.listener))
            and (method is None or r.method == method.upper())
            and (status is None or r.status == status)
            and (repo_type is None or r.repo_type == repo_type)
        )

    def reset_log(self) -> None:
        """Clear the request log and re-arm every fault's `times` counter."""
        self._state.clear_log()
        self._state.rearm_faults()

    @property
    def tokens_seen(self) -> set[str]:
        """Tokens received in `Authorization: Bearer` headers (kept apart from the log)."""
        return self._state.tokens()

    def reset(self) -> None:
        """Forget everything: repos, faults, the log and the seen tokens."""
        self._state.clear_repos()
        self._state.clear_faults()
        self._state.clear_log()
        self._state.clear_tokens()

    # -- serving (called from handler threads) ----------------------------------------------------

    def _respond(self, handler: _Handler, listener: str) -> None:
        started = time.perf_counter()
        request = _read_request(handler, listener)
        if request is None:
            return
        if request.token is not None:
            self._state.note_token(request.token)
        route = self._route(request)
        outcome = self._state.take_faults(route, listener)
        response = outcome.response or self._dispatch(route, request)
        delay = self.latency_ms / 1000 + outcome.delay_s
        if delay > 0:
            time.sleep(delay)
        self._state.record(  # before any byte of the response leaves
            RequestRecord(
                method=request.method,
                path=request.raw_path,
                query=request.query,
                status=0 if outcome.drop else response.status,
                repo_id=route.repo_id,
                kind=route.kind,
                authorized=request.token is not None,
                user_agent=request.header("user-agent"),
                duration_s=time.perf_counter() - started,
                repo_type=route.repo_type,
                range=request.header("range"),
                listener=listener,
            )
        )
        if outcome.drop:
            handler.close_connection = True
            return
        _write_response(handler, response, head_only=request.method == "HEAD")

    def _route(self, request: Request) -> Route:
        _, segments = split_path(request.raw_path)
        if request.listener == "cdn":
            return parse_cdn_route(
                request.method, segments, request.param("repo"), request.param("type") or "model"
            )
        return parse_route(request.method, segments, self._state.exists)

    def _dispatch(self, route: Route, request: Request) -> Response:
        try:
            return dispatch(Context(self._state, self.settings, self._cdn_origin), route, request)
        except Exception as exc:  # a bug in the double must still produce a well-formed answer
            logger.exception("hubdouble: failed to serve %s %s", request.method, request.raw_path)
            return error_response(500, f"hubdouble internal error: {type(exc).__name__}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], double: HubDouble, listener: str) -> None:
        self.double = double
        self.listener = listener
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a client hung up mid-request: not worth a traceback
        super().handle_error(request, client_address)

    def stop(self) -> None:
        """Stop serving quickly: wake the accept loop instead of waiting for its poll timeout,
        then end idle keep-alive connections so a stopped double really stops answering."""
        stopper = threading.Thread(target=self.shutdown, daemon=True)
        stopper.start()
        address = cast(tuple[str, int], self.server_address)[:2]
        while stopper.is_alive():
            with contextlib.suppress(OSError), socket.create_connection(address, timeout=0.5):
                pass
            stopper.join(0.01)
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hubdouble/1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        server = cast(_Server, self.server)
        server.double._respond(self, server.listener)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr line; the double keeps its own log."""


def _read_request(handler: _Handler, listener: str) -> Request | None:
    raw_path, _, query = handler.path.partition("?")
    try:
        body = _read_body(handler)
    except ValueError:
        handler.close_connection = True
        _write_response(handler, error_response(400, "Malformed request body"), head_only=False)
        return None
    host = handler.headers.get("Host") or _own_address(handler)
    return Request(
        method=handler.command,
        raw_path=raw_path or "/",
        query=query,
        params=parse_qs(query, keep_blank_values=True),
        headers={name.lower(): value for name, value in handler.headers.items()},
        body=body,
        token=_bearer_token(handler.headers.get("Authorization")),
        base_url=f"http://{host}",
        listener=listener,
    )


def _own_address(handler: _Handler) -> str:
    address = cast(tuple[str, int], handler.server.server_address)
    return f"{address[0]}:{address[1]}"


def _bearer_token(value: str | None) -> str | None:
    scheme, _, token = (value or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _read_body(handler: _Handler) -> bytes:
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        chunks: list[bytes] = []
        while True:
            size = int(handler.rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline(65537)
    length = int(handler.headers.get("Content-Length") or 0)
    if length < 0:
        raise ValueError("negative Content-Length")
    return handler.rfile.read(length) if length else b""


def _write_response(handler: _Handler, response: Response, *, head_only: bool) -> None:
    """Status line, headers and body in as few writes as possible; Content-Length always set."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    body = response.body
    lines = [
        f"HTTP/1.1 {response.status} {reason}",
        f"Date: {handler.date_time_string()}",
        f"Server: {handler.server_version}",
        *(f"{name}: {_clean(value)}" for name, value in response.headers),
        f"Content-Length: {len(body)}",
    ]
    if handler.close_connection:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
    try:
        if head_only or not body:
            handler.wfile.write(head)
        elif len(body) <= _INLINE_BODY_LIMIT:
            handler.wfile.write(head + bytes(body))
        else:
            handler.wfile.write(head)
            handler.wfile.write(body)
    except OSError:  # the client went away (timed out, or the double is stopping)
        handler.close_connection = True


def _clean(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")
