"""Hugging Face Hub source, through the `huggingface_hub` client's HTTP session.

Per model: one model-info GET (with file sizes) pins the commit sha and yields the card
metadata, which the Hub serves even for gated repos; then each license-related file (and the
README) is read with one GET at that sha. Weights, code and configs are never requested.
`HfApi.model_info` and `hf_hub_download` are avoided on purpose: the first cannot cap the size
of its answer, the second makes two or three requests per file and, on a 5xx, retries for
~23 s with a hard-coded 60 s timeout (huggingface_hub 2.4.0).

Every request here has a connect and a read timeout, a cap on its body and a wall-clock
deadline (`request_deadline`, default 3 x `timeout`) that covers connecting, the TLS handshake,
the response headers and every body byte, raw or compressed: the network backend of the
client's session is wrapped so that each socket operation gets at most the time left before
the deadline, and a server that trickles headers or bytes (or a gzip header that never ends)
is cut off at it. Each model also has a deadline (`model_deadline`, default 10 x `timeout`)
for all its requests and retry waits. A request or model past its deadline is not retried:
the model is reported `status: error`, kind `timeout`, and the scan goes on. With
`--timeout T`, no model takes longer than 10 T (plus a second of slack) to report, whatever
the endpoint does. Requests are retried a bounded number of times on 408/429/5xx and
transport errors, honouring the Hub's `RateLimit` reset and `Retry-After`. A 429 pauses every
request of the scan until the reset; a scan waits at most `max_retry_total` seconds for
retries in all, and a wait that does not fit is not made: the model is reported
`rate-limited` with the reset time. A request hook gives any other request the client makes
(token refresh, ...) a timeout too.

Snapshots are cached by repository and commit sha (`licscan.sources.cache`): a second scan
makes only the model-info request that resolves the revision, none for a cached full sha,
and `offline` scans read the cache alone.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

from licscan import __version__
from licscan.errors import LicscanError, SourceError
from licscan.evidence.card import card_from_readme, decode_text, plain_card_data
from licscan.model import FileBlob, ModelRef, Snapshot
from licscan.sources.cache import (
    DEFAULT_MAX_BYTES,
    SHA40,
    SnapshotCache,
    cache_root,
    is_full_sha,
)
from licscan.sources.files import (
    MAX_FILE_BYTES,
    CappedReader,
    make_blob,
    plan_reads,
    read_planned,
    reader_blob,
)

T = TypeVar("T")
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
MAX_INFO_BYTES = 32 << 20  # a model info with ~150k files; anything bigger is refused
MAX_ERROR_BYTES = 64 << 10
MAX_PATH_CHARS = 1024
_UNSAFE_CHAR = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")
_BLOB_ID = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
log = logging.getLogger("licscan.hub")

_hub_lock = threading.Lock()
_hub_ready = False
_fallback_timeout: dict[str, float | None] = {"connect": 10.0, "read": 20.0, "write": 20.0,
                                              "pool": 20.0}


@dataclass(frozen=True)
class HubSettings:
    endpoint: str | None = None  # default: HF_ENDPOINT, else https://huggingface.co
    token: str | None = None  # default: HF_TOKEN, else the client's stored token
    timeout: float = 20.0  # read timeout: seconds without a byte from the Hub
    connect_timeout: float = 10.0  # capped at `timeout`
    retries: int = 2  # extra attempts per request on 408/429/5xx and transport errors
    backoff: float = 0.5  # first backoff (doubling, with jitter) when the Hub gives no hint
    max_retry_after: float = 30.0  # longest single wait honoured
    max_retry_total: float = 60.0  # wall time one scan may spend waiting to retry
    max_file_bytes: int = MAX_FILE_BYTES
    cache_dir: str | None = None  # default: LICSCAN_CACHE_DIR, else the platform cache dir
    use_cache: bool = True
    offline: bool = False  # cache only (also when HF_HUB_OFFLINE is set)
    cache_max_bytes: int = DEFAULT_MAX_BYTES
    request_deadline: float | None = None  # wall clock per request; default 3 x timeout
    model_deadline: float | None = None  # wall clock per model; default 10 x timeout

    @property
    def request_budget(self) -> float:
        return self.request_deadline if self.request_deadline is not None else 3 * self.timeout

    @property
    def model_budget(self) -> float:
        return self.model_deadline if self.model_deadline is not None else 10 * self.timeout


class RequestCounter:
    """Counts HTTP requests per scan, redirect hops included (for tests and benchmarks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.count += n


def _prepare_hub(timeout: dict[str, float | None]) -> None:
    """Before the client's first use: no telemetry request, quiet logs, and a timeout hook
    on its shared session for every request that would otherwise have none (doc §6.3)."""
    global _hub_ready
    with _hub_lock:
        _fallback_timeout.update(timeout)
        if _hub_ready:
            return
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from huggingface_hub import constants
        from huggingface_hub.utils import _http
        from huggingface_hub.utils import logging as hf_logging

        constants.HF_HUB_DISABLE_TELEMETRY = True
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        previous = getattr(_http, "_GLOBAL_CLIENT_FACTORY", _http.default_client_factory)

        def factory() -> Any:
            client = previous()
            client.event_hooks["request"].append(_default_timeout)
            client.event_hooks["request"].append(_count_listing)
            install_deadlines(client)
            return client

        _http.set_client_factory(factory)
        _hub_ready = True


def _default_timeout(request: Any) -> None:
    current = request.extensions.get("timeout") or {}
    if all(value is None for value in current.values()):
        request.extensions["timeout"] = dict(_fallback_timeout)


_listing = threading.local()  # .current: the _Listing that this thread is paging through


class _Listing:
    """Requests `HfApi.list_models` makes: counted, and its own retries (`http_backoff`: up
    to 5, waiting up to 23 s in all on a 5xx) cut to the scan's `retries`."""

    def __init__(self, retries: int) -> None:
        self.counter = RequestCounter()
        self.attempts: dict[str, int] = {}
        self.max_attempts = 1 + max(0, retries)


class _ListingGaveUp(Exception):
    def __init__(self, attempts: int) -> None:
        super().__init__(f"no usable answer after {attempts} attempt(s)")


def _count_listing(request: Any) -> None:
    """Requests the client makes while `HubSource.list_models` pages through a listing."""
    current: _Listing | None = getattr(_listing, "current", None)
    if current is None:
        return
    url = str(request.url)
    tried = current.attempts.get(url, 0)
    if tried >= current.max_attempts:
        raise _ListingGaveUp(tried)
    current.attempts[url] = tried + 1
    current.counter.add()


@dataclass(frozen=True)
class Listed:
    """What a Hub listing says of one model: enough to use a cached snapshot without asking
    again. (A listing gives file names but not their sizes, which the choice of files to read
    depends on, so a model not in the cache still gets its model-info request.)"""

    repo_id: str
    sha: str | None
    gated: str | None
    private: bool
    tags: tuple[str, ...]


LIST_EXPAND = ["sha", "gated", "private", "tags", "lastModified"]
MAX_LISTED = 100_000


class _DeadlineExceeded(Exception):
    """A request or a model ran past its wall-clock deadline (never retried)."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} took longer than its {seconds:g} s deadline")
        self.what = what
        self.seconds = seconds


class _RateLimited(Exception):
    def __init__(self, wait_s: float) -> None:
        super().__init__(f"rate limited for {wait_s:.0f} s")
        self.wait_s = wait_s


class _Retries:
    """The scan's retry budget (wall time) and the Hub-wide pause after a 429."""

    def __init__(self, total_s: float) -> None:
        self._lock = threading.Lock()
        self._total = total_s
        self._deadline: float | None = None
        self._paused_until = 0.0

    def allow(self, wait_s: float) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._deadline is None:
                self._deadline = now + self._total
            return now + wait_s <= self._deadline

    def pause(self, wait_s: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + wait_s)

    def paused_for(self) -> float:
        with self._lock:
            return max(0.0, self._paused_until - time.monotonic())


@dataclass(frozen=True)
class HubInfo:
    """What licscan keeps of a model-info answer, validated."""

    sha: str
    sizes: dict[str, int | None]
    unsafe_names: int
    card_data: dict[str, Any] | None
    gated: str | None
    private: bool
    tags: tuple[str, ...]
    blob_ids: dict[str, str] = field(default_factory=dict)  # path -> git blob id, when given
    card_problem: str | None = None


class HubSource:
    def __init__(self, settings: HubSettings | None = None,
                 counter: RequestCounter | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings or HubSettings()
        self.endpoint = (self.settings.endpoint or os.environ.get("HF_ENDPOINT")
                         or "https://huggingface.co").rstrip("/")
        self.counter = counter or RequestCounter()
        self.offline = self.settings.offline or _env_offline()
        self.cache, self.cache_problem = _open_cache(self.settings)
        self._sleep = sleep
        self._retries = _Retries(self.settings.max_retry_total)
        self._headers: dict[str, str] | None = None
        self._headers_lock = threading.Lock()
        self.listed: dict[str, Listed] = {}
        self.listing_requests = 0
        self.listing_cut = False  # the last listing stopped at MAX_LISTED models
        if not self.offline:
            _prepare_hub(self._timeout())

    def _timeout(self) -> dict[str, float | None]:
        read = self.settings.timeout
        return {"connect": min(self.settings.connect_timeout, read), "read": read,
                "write": read, "pool": read}

    # -- snapshot -------------------------------------------------------------------------
    def fetch(self, ref: ModelRef) -> Snapshot:
        _check_ref(ref)
        if self.offline:
            return self._fetch_offline(ref)
        budget = self.settings.model_budget
        _model_deadline.at = time.monotonic() + budget
        try:
            snapshot = self._fetch_online(ref)
            if self.cache_problem:
                snapshot = replace(snapshot, notes=(*snapshot.notes, self.cache_problem))
            return snapshot
        except _DeadlineExceeded as exc:
            name = ref.repo_id or ref.target
            raise SourceError("timeout", f"the Hub did not answer in time for {name}: "
                              f"{exc}") from None
        finally:
            _model_deadline.at = None

    def _fetch_online(self, ref: ModelRef) -> Snapshot:
        limit = self.settings.max_file_bytes
        if self.cache is not None and is_full_sha(ref.revision):
            assert ref.revision is not None
            hit = self.cache.load(ref, ref.revision, limit)
            if hit is not None:
                return hit
        listed = self.listed.get(ref.repo_id or "") if ref.revision is None \
            and ref.repo_type == "model" else None
        if self.cache is not None and listed is not None and listed.sha is not None:
            hit = self.cache.load(ref, listed.sha, limit)  # the listing pinned the commit
            if hit is not None:
                self.cache.record_ref(ref, listed.sha)
                return replace(hit, gated=listed.gated, private=listed.private,
                               tags=listed.tags)
        try:
            info = self._info(ref)
        except (SourceError, _DeadlineExceeded):
            raise
        except Exception as exc:
            kind, message = classify(exc, ref)
            raise SourceError(kind, message) from None
        if self.cache is not None:
            hit = self.cache.load(ref, info.sha, limit)
            if hit is not None:
                self.cache.record_ref(ref, info.sha)
                return replace(hit, gated=info.gated, private=info.private, tags=info.tags)
        snapshot = self._snapshot(ref, info)
        if self.cache is not None and self.cache.store(snapshot, limit):
            self.cache.record_ref(ref, info.sha)
        return snapshot

    def _fetch_offline(self, ref: ModelRef) -> Snapshot:
        name = ref.repo_id or ref.target
        if self.cache is None:
            why = f" ({self.cache_problem})" if self.cache_problem else ""
            raise SourceError("not-cached", f"{name} cannot be scanned offline: the licscan "
                              f"cache is disabled or unusable{why}")
        note = None
        if is_full_sha(ref.revision):
            assert ref.revision is not None
            sha = ref.revision
        else:
            found = self.cache.resolve(ref)
            if found is None:
                what = f"{name}@{ref.revision}" if ref.revision else name
                raise SourceError("not-cached", f"{what} is not in the licscan cache and the "
                                  "scan is offline; scan it once online first")
            sha, seen = found
            what = f"revision {ref.revision!r}" if ref.revision else "the default branch"
            note = f"offline: {what} resolved to {sha}, as last seen online at {seen}"
        hit = self.cache.load(ref, sha, self.settings.max_file_bytes, allow_incomplete=True)
        if hit is None:
            raise SourceError("not-cached", f"{name} at {sha} is not in the licscan cache and "
                              "the scan is offline; scan it once online first")
        return replace(hit, notes=(*hit.notes, note)) if note else hit

    def _info(self, ref: ModelRef) -> HubInfo:
        assert ref.repo_id is not None
        url = f"{self.endpoint}/api/{ref.repo_type}s/{ref.repo_id}"
        if ref.revision:
            url += f"/revision/{quote(ref.revision, safe='')}"
        body = self._retrying(lambda: self._get(url, MAX_INFO_BYTES, {"blobs": "true"}))
        if body is None:
            raise SourceError("hub-error", f"the Hub's model info for {ref.repo_id} is larger "
                              f"than {MAX_INFO_BYTES} bytes")
        try:
            return parse_info(json.loads(body))
        except (ValueError, RecursionError) as exc:
            raise SourceError("hub-error", f"the Hub's model info for {ref.repo_id} is not "
                              f"usable: {exc}") from None

    def _snapshot(self, ref: ModelRef, info: HubInfo) -> Snapshot:
        sizes, card_data = info.sizes, info.card_data
        readme_path = next((p for p in sizes if p.lower() == "readme.md"), None)
        readme = self._get_file(ref, info.sha, readme_path, sizes.get(readme_path)) \
            if readme_path else None
        card_origin = "model-info" if card_data is not None else "none"
        problem: tuple[str | None, int | None] = (None, None)
        if card_data is None and readme is not None:
            read = card_from_readme(readme, decode_text(readme.data)
                                    if readme.data is not None else None)
            card_data, problem = read.data, (read.problem, read.problem_line)
            card_origin = "README.md" if card_data is not None else "none"
        elif info.card_problem:
            problem = (info.card_problem, None)
        link = card_data.get("license_link") if card_data else None
        files, unread = self._license_files(ref, info, link)
        notes = (f"{info.unsafe_names} file name(s) in the Hub listing were ignored: not safe "
                 "relative paths",) if info.unsafe_names else ()
        return Snapshot(ref=ref, source="hub", revision=info.sha, card_data=card_data,
                        card_data_origin=card_origin, readme=readme, files=files,
                        listing=tuple(sorted(sizes)), gated=info.gated, private=info.private,
                        tags=info.tags, notes=notes, card_problem=problem[0],
                        card_problem_line=problem[1], unread=unread)

    def _license_files(self, ref: ModelRef, info: HubInfo, link: object,
                       ) -> tuple[tuple[FileBlob, ...], tuple[str, ...]]:
        """License files by name, then small text files that read like license terms; a
        file whose git blob was already read is not requested again."""
        seen: dict[tuple[str, int], FileBlob] = {}

        def read(path: str, limit: int) -> FileBlob:
            blob_id = info.blob_ids.get(path)
            known = seen.get((blob_id, limit)) if blob_id else None
            if known is not None:
                return replace(known, path=path)
            blob = self._get_file(ref, info.sha, path, info.sizes.get(path), limit)
            if blob_id and blob.status == "ok":
                seen[(blob_id, limit)] = blob
            return blob

        return read_planned(plan_reads(info.sizes, link), read, self.settings.max_file_bytes)

    def _get_file(self, ref: ModelRef, sha: str, path: str, size: int | None,
                  limit: int | None = None) -> FileBlob:
        """One file, read as `CappedReader` does: over `limit`, padding is collapsed and the
        rest cut (the blob is then `truncated`)."""
        limit = self.settings.max_file_bytes if limit is None else limit
        assert ref.repo_id is not None
        prefix = "datasets/" if ref.repo_type == "dataset" else ""
        url = f"{self.endpoint}/{prefix}{ref.repo_id}/resolve/{sha}/{quote(path)}"

        def attempt() -> CappedReader:
            reader = CappedReader(limit)
            self._get(url, limit, identity=True, reader=reader)
            return reader

        try:
            reader = self._retrying(attempt)
        except _DeadlineExceeded:
            raise
        except Exception as exc:
            kind, message = classify(exc, ref)
            status = "gated" if kind == "gated" else "missing" if kind == "file-not-found" \
                else "unreadable"
            return FileBlob(path=path, size=size or 0, sha256=None, data=None, status=status,
                            reason=message)
        blob = reader_blob(path, reader, size)
        if not blob.truncated and not reader.compacted:
            return make_blob(path, blob.data or b"", size)
        return blob

    # -- listing --------------------------------------------------------------------------
    def list_models(self, author: str | None = None, search: str | None = None,
                    ) -> list[ModelRef]:
        """Every model of an organisation or user (`author`) and/or whose id contains
        `search`, through `HfApi.list_models` (paged by the Hub's `Link` header: one request
        per page). Each is remembered (`self.listed`) so that a snapshot cached at the
        listed commit is used without another request. Raises SourceError."""
        from huggingface_hub import HfApi

        if self.offline:
            raise SourceError("offline", "listing models needs the Hub; the scan is offline")
        token = self.settings.token or os.environ.get("HF_TOKEN") \
            or os.environ.get("HUGGING_FACE_HUB_TOKEN") or None
        api = HfApi(endpoint=self.endpoint, token=token, library_name="licscan",
                    library_version=__version__)
        current = _listing.current = _Listing(self.settings.retries)
        refs: list[ModelRef] = []
        what = " and ".join(p for p in (f"author {author!r}" if author else "",
                                        f"search {search!r}" if search else "") if p)
        try:
            for info in api.list_models(author=author, search=search,
                                        expand=LIST_EXPAND):  # type: ignore[arg-type]
                listed = _listed(info)
                if listed is None or listed.repo_id in self.listed:
                    continue
                self.listed[listed.repo_id] = listed
                refs.append(ModelRef(kind="hub", target=listed.repo_id,
                                     repo_id=listed.repo_id))
                if len(refs) >= MAX_LISTED:
                    self.listing_cut = True  # the scan reports it (cli/scan.py _listed)
                    break
        except _ListingGaveUp as exc:
            raise SourceError("hub-error", f"could not list the models of {what}: the Hub "
                              f"gave {exc}") from None
        except Exception as exc:
            kind, message = classify(exc, ModelRef(kind="hub", target=what,
                                                   repo_id=author or search))
            raise SourceError(kind, f"could not list the models of {what}: {message}"
                              ) from None
        finally:
            _listing.current = None
            self.listing_requests += current.counter.count
            self.counter.add(current.counter.count)
        return sorted(refs, key=lambda r: r.repo_id or "")

    # -- requests -------------------------------------------------------------------------
    def _hf_headers(self) -> dict[str, str]:
        with self._headers_lock:
            if self._headers is None:
                from huggingface_hub.utils._headers import build_hf_headers

                token = self.settings.token or os.environ.get("HF_TOKEN") \
                    or os.environ.get("HUGGING_FACE_HUB_TOKEN") or None
                self._headers = dict(build_hf_headers(  # no token: the client's stored one
                    token=token, library_name="licscan", library_version=__version__))
            return self._headers

    def _get(self, url: str, limit: int, params: Mapping[str, str] | None = None,
             identity: bool = False, reader: CappedReader | None = None) -> bytes | None:
        """One GET (redirects followed), streamed, within the request's and the model's
        deadlines: the body, or None when over `limit`; with `reader`, the body goes there
        (and b"" is returned)."""
        import httpx2
        from huggingface_hub.utils._http import get_session

        headers = dict(self._hf_headers())
        if identity:  # license files are small: no decompression bomb possible
            headers["Accept-Encoding"] = "identity"
        budget = self.settings.request_budget
        deadline = time.monotonic() + budget
        model_at = getattr(_model_deadline, "at", None)
        what = "the request"
        if model_at is not None and model_at < deadline:
            deadline, what, budget = model_at, "the model", self.settings.model_budget
        if time.monotonic() >= deadline:
            raise _DeadlineExceeded(what, budget)
        self.counter.add()
        scope = _DeadlineScope(deadline)
        _deadline_scope.current = scope
        try:
            with get_session().stream("GET", url, params=params, headers=headers,
                                      timeout=httpx2.Timeout(**self._timeout()),
                                      follow_redirects=True) as resp:
                self.counter.add(len(resp.history))
                if resp.status_code >= 400:
                    _raise_for_status(resp, deadline)
                if reader is None:
                    return _read(resp, limit, deadline)
                for chunk in resp.iter_bytes():
                    if not reader.feed(chunk):
                        break
                    if time.monotonic() > deadline:
                        raise httpx2.ReadTimeout("the answer took too long to arrive",
                                                 request=resp.request)
                return b""
        except Exception:
            if scope.expired or time.monotonic() >= deadline:
                raise _DeadlineExceeded(what, budget) from None
            raise
        finally:
            _deadline_scope.current = None

    def _retrying(self, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            paused = self._retries.paused_for()
            if paused > 0:  # another request was told to back off: so is this one
                if not self._retries.allow(paused) or not _fits_model(paused):
                    raise _RateLimited(paused)
                self._sleep(paused)
            try:
                return call()
            except Exception as exc:  # classified by the caller; this only decides on retrying
                delay = self._retry_delay(exc, attempt)
                if delay is None:
                    raise
                log.debug("retrying in %.2f s after %s", delay, type(exc).__name__)
                attempt += 1
                self._sleep(delay)

    def _retry_delay(self, exc: Exception, attempt: int) -> float | None:
        import httpx2
        from huggingface_hub.errors import HfHubHTTPError

        hint = None
        if isinstance(exc, HfHubHTTPError):
            status = exc.response.status_code if exc.response is not None else None
            if status not in _RETRY_STATUS:
                return None
            hint = wait_hint(exc.response.headers)
            if status == 429 and hint is not None:
                self._retries.pause(hint)
                if attempt < self.settings.retries and (
                        hint > self.settings.max_retry_after or not self._retries.allow(hint)):
                    raise _RateLimited(hint) from exc
        elif not isinstance(exc, httpx2.TransportError):
            return None
        if attempt >= self.settings.retries:
            return None
        if hint is None:
            base = self.settings.backoff * (2 ** attempt)
            hint = base + random.uniform(0, base / 4)
        if hint > self.settings.max_retry_after or not self._retries.allow(hint) \
                or not _fits_model(hint):
            return None
        return hint


def _fits_model(wait_s: float) -> bool:
    """Whether a wait ends before the current model's deadline."""
    at = getattr(_model_deadline, "at", None)
    return at is None or time.monotonic() + wait_s < at


# -- deadlines ------------------------------------------------------------------------------
_model_deadline = threading.local()  # .at: monotonic deadline of the model this thread fetches
_deadline_scope = threading.local()  # .current: the _DeadlineScope of this thread's request


class _DeadlineScope:
    def __init__(self, at: float) -> None:
        self.at = at
        self.expired = False


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """`timeout` shortened to the time left before this thread's request deadline."""
    scope: _DeadlineScope | None = getattr(_deadline_scope, "current", None)
    if scope is None:
        return timeout
    left = scope.at - time.monotonic()
    if left <= 0:
        scope.expired = True
        raise error("deadline reached")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    """A network stream whose every operation ends by the request's deadline."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore2

        return self._inner.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout))  # type: ignore[no-any-return]

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore2

        self._inner.write(buffer, _bounded(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> Any:
        import httpcore2

        return _DeadlineStream(self._inner.start_tls(
            ssl_context, server_hostname, _bounded(timeout, httpcore2.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend:
    """Wraps the client's network backend: connections and their streams obey deadlines."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> Any:
        import httpcore2

        return _DeadlineStream(self._inner.connect_tcp(
            host, port, timeout=_bounded(timeout, httpcore2.ConnectTimeout),
            local_address=local_address, socket_options=socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> Any:
        import httpcore2

        return _DeadlineStream(self._inner.connect_unix_socket(
            path, timeout=_bounded(timeout, httpcore2.ConnectTimeout),
            socket_options=socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadlines(client: Any) -> None:
    """Wrap the network backend of every connection pool of an httpx2 client."""
    transports = [getattr(client, "_transport", None),
                  *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]


def _read(resp: Any, limit: int, deadline: float) -> bytes | None:
    import httpx2

    chunks: list[bytes] = []
    total = 0
    for chunk in resp.iter_bytes():
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise httpx2.ReadTimeout("the answer took too long to arrive", request=resp.request)
    return b"".join(chunks)


def _raise_for_status(resp: Any, deadline: float) -> None:
    """Raise the client's error class for `resp`, reading at most MAX_ERROR_BYTES of it."""
    import httpx2
    from huggingface_hub.utils._http import hf_raise_for_status

    body = _read(resp, MAX_ERROR_BYTES, deadline) or b""
    headers = [(k, v) for k, v in resp.headers.items()
               if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
    hf_raise_for_status(httpx2.Response(resp.status_code, headers=headers, content=body,
                                        request=resp.request))
    raise httpx2.HTTPStatusError(f"HTTP {resp.status_code}", request=resp.request,
                                 response=resp)


def _env_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE")


def _open_cache(settings: HubSettings) -> tuple[SnapshotCache | None, str | None]:
    """The cache, or None and why it is not used when it is refused (untrusted)."""
    if not settings.use_cache:
        return None, None
    cache = SnapshotCache(cache_root(settings.cache_dir), settings.cache_max_bytes)
    if not cache.ensure_root():
        if cache.problem and "cannot create" not in cache.problem:
            sys.stderr.write(f"licscan: warning: not using the cache: {cache.problem}\n")
            return None, f"the licscan cache was not used: {cache.problem}"
        return None, None
    if not settings.offline:
        cache.maybe_prune()
    return cache, None


def _check_ref(ref: ModelRef) -> None:
    from licscan.targets import validate_repo_id, validate_revision

    if ref.repo_id is None:
        raise SourceError("invalid", f"{ref.target}: not a Hub repository id")
    try:
        validate_repo_id(ref.repo_id)
        if ref.revision is not None:
            validate_revision(ref.revision)
    except LicscanError as exc:
        raise SourceError("invalid", exc.message) from None


def _listed(info: Any) -> Listed | None:
    """A `ModelInfo` of a listing, validated; None for an entry that is not a model id."""
    from licscan.targets import is_repo_id

    repo_id = getattr(info, "id", None)
    if not isinstance(repo_id, str) or not is_repo_id(repo_id):
        return None
    sha = getattr(info, "sha", None)
    gated = getattr(info, "gated", None)
    tags = getattr(info, "tags", None)
    return Listed(repo_id=repo_id, sha=sha if isinstance(sha, str) and SHA40.match(sha) else None,
                  gated=gated if gated in ("auto", "manual") else "manual" if gated is True
                  else None,
                  private=getattr(info, "private", None) is True,
                  tags=tuple(t for t in tags if isinstance(t, str))
                  if isinstance(tags, list) else ())


def safe_repo_path(name: str) -> bool:
    """A relative POSIX path with no '..', '.', empty or absolute parts and no control chars."""
    if not name or len(name) > MAX_PATH_CHARS or name.startswith("/") or _UNSAFE_CHAR.search(name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def parse_info(data: Any) -> HubInfo:
    """Validate a model-info JSON answer; ValueError when it cannot be used."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    sha = data.get("sha")
    if not isinstance(sha, str) or not SHA40.match(sha):
        raise ValueError("no valid commit sha")
    siblings = data.get("siblings") or []
    if not isinstance(siblings, list):
        raise ValueError("'siblings' is not a list")
    sizes: dict[str, int | None] = {}
    blob_ids: dict[str, str] = {}
    unsafe = 0
    for sibling in siblings:
        name = sibling.get("rfilename") if isinstance(sibling, dict) else None
        if not isinstance(name, str) or not safe_repo_path(name):
            unsafe += 1
            continue
        size = sibling.get("size")
        ok = isinstance(size, int) and not isinstance(size, bool) and size >= 0
        sizes[name] = size if ok else None
        blob_id = sibling.get("blobId")
        if isinstance(blob_id, str) and _BLOB_ID.match(blob_id):
            blob_ids[name] = blob_id
    card = data.get("cardData")
    card_data, card_problem = None, None
    if isinstance(card, dict):
        plain_card, changed = plain_card_data({k: v for k, v in card.items() if v is not None})
        card_data = plain_card
        if changed:
            card_problem = "cardData: " + "; ".join(changed)
    gated = data.get("gated")
    tags = data.get("tags")
    return HubInfo(sha=sha, sizes=sizes, unsafe_names=unsafe, card_data=card_data,
                   blob_ids=blob_ids, card_problem=card_problem,
                   gated=gated if gated in ("auto", "manual") else "manual" if gated is True
                   else None,
                   private=data.get("private") is True,
                   tags=tuple(t for t in tags if isinstance(t, str))
                   if isinstance(tags, list) else ())


def wait_hint(headers: Any) -> float | None:
    """Seconds the Hub asks to wait: the `RateLimit` reset when nothing remains (`r=0;t=N`),
    else `Retry-After` (seconds or an HTTP date)."""
    limit = headers.get("RateLimit") if headers is not None else None
    if limit:
        remaining = re.search(r";\s*r\s*=\s*(\d+)", limit)
        reset = re.search(r";\s*t\s*=\s*(\d+)", limit)
        if remaining and reset and int(remaining.group(1)) == 0:
            return float(reset.group(1))
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else None


_CLIENT_ERRORS = (  # (error class in huggingface_hub.errors, kind, message); order matters
    ("GatedRepoError", "gated", "{name} is gated: its files need an approved token "
     "(set HF_TOKEN to a token that was granted access)"),
    ("RepositoryNotFoundError", "not-found", "{name} was not found on the Hub, or it is private "
     "and the token has no access"),
    ("RevisionNotFoundError", "revision-not-found", "revision {revision!r} does not exist in "
     "{name}"),
    ("DisabledRepoError", "disabled", "{name} has been disabled on the Hub"),
    ("RemoteEntryNotFoundError", "file-not-found", "file not found at this revision"),
    ("OfflineModeIsEnabled", "offline", "offline mode is enabled (HF_HUB_OFFLINE)"),
)


def classify(exc: BaseException, ref: ModelRef) -> tuple[str, str]:
    """Map a client exception to (kind, message) for the report. Never includes headers."""
    import httpx2
    from huggingface_hub import errors

    name = ref.repo_id or ref.target
    if isinstance(exc, _DeadlineExceeded):
        return "timeout", f"the Hub did not answer in time for {name}: {exc}"
    if isinstance(exc, _RateLimited):
        return "rate-limited", (f"the Hub rate-limited requests for {name}; the limit resets in "
                                f"{math.ceil(exc.wait_s)} s, longer than this scan waits")
    for class_name, kind, message in _CLIENT_ERRORS:
        if isinstance(exc, getattr(errors, class_name)):
            return kind, message.format(name=name, revision=ref.revision)
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        if status == 429:
            hint = wait_hint(exc.response.headers) if exc.response is not None else None
            reset = f"; the limit resets in {math.ceil(hint)} s" if hint is not None else ""
            return "rate-limited", f"the Hub kept answering 429 (rate limited) for {name}{reset}"
        return "hub-error", f"the Hub answered HTTP {status} for {name}"
    if isinstance(exc, httpx2.TimeoutException):
        return "timeout", f"the Hub did not answer in time for {name}"
    if isinstance(exc, (httpx2.TransportError, ConnectionError)):
        from licscan.sources.hints import network_message

        return "network", f"cannot reach the Hub for {name}: {network_message(exc)}"
    if isinstance(exc, httpx2.HTTPError):
        return "hub-error", f"the Hub's answer for {name} could not be read: {type(exc).__name__}"
    if isinstance(exc, ValueError):
        return "invalid", f"{name}: {exc}"
    raise exc
