"""Hugging Face Hub source, through the real `huggingface_hub` client.

One `model_info` call (with file sizes) pins the commit sha and yields the card metadata,
which the Hub serves even for gated repos; then each license-related file is read with one
GET at that sha, streamed with a size cap. `hf_hub_download` is avoided on purpose: it makes
two or three requests per file and, on a 5xx, retries for ~23 s with a hard-coded 60 s
timeout (huggingface_hub 2.4.0). Every request here has a timeout and bounded retries.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from licscan import __version__
from licscan.card import decode_text, parse_card
from licscan.errors import SourceError
from licscan.model import FileBlob, ModelRef, Snapshot
from licscan.sources.files import MAX_FILE_BYTES, make_blob, select_license_files, too_large

T = TypeVar("T")
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}
_hub_lock = threading.Lock()
_hub_ready = False


def _prepare_hub() -> None:
    """Disable the client's telemetry request before its first use (2.4.0 reads env at import)."""
    global _hub_ready
    with _hub_lock:
        if _hub_ready:
            return
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from huggingface_hub import constants
        from huggingface_hub.utils import logging as hf_logging

        constants.HF_HUB_DISABLE_TELEMETRY = True
        hf_logging.set_verbosity_error()
        _hub_ready = True


@dataclass(frozen=True)
class HubSettings:
    endpoint: str | None = None  # default: HF_ENDPOINT, else https://huggingface.co
    token: str | None = None  # default: HF_TOKEN / the client's stored token
    timeout: float = 20.0
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 30.0
    max_file_bytes: int = MAX_FILE_BYTES


class RequestCounter:
    """Counts HTTP requests per scan (for tests and benchmarks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self) -> None:
        with self._lock:
            self.count += 1


class HubSource:
    def __init__(self, settings: HubSettings | None = None,
                 counter: RequestCounter | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        _prepare_hub()
        from huggingface_hub import HfApi

        self.settings = settings or HubSettings()
        self.endpoint = (self.settings.endpoint or os.environ.get("HF_ENDPOINT")
                         or "https://huggingface.co").rstrip("/")
        self.counter = counter or RequestCounter()
        self._sleep = sleep
        self._api = HfApi(endpoint=self.endpoint, token=self.settings.token,
                          library_name="licscan", library_version=__version__)

    # -- requests -------------------------------------------------------------------------
    def _retrying(self, what: str, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            self.counter.add()
            try:
                return call()
            except Exception as exc:  # classified below; anything unknown is re-raised
                delay = self._retry_delay(exc, attempt)
                if delay is None:
                    raise
                attempt += 1
                self._sleep(delay)

    def _retry_delay(self, exc: Exception, attempt: int) -> float | None:
        import httpx2
        from huggingface_hub.errors import HfHubHTTPError

        if attempt >= self.settings.retries:
            return None
        if isinstance(exc, HfHubHTTPError):
            status = exc.response.status_code if exc.response is not None else None
            if status not in _RETRY_STATUS:
                return None
            retry_after = _retry_after(exc.response)
            if retry_after is not None:
                if retry_after > self.settings.max_retry_after:
                    return None
                return retry_after
        elif not isinstance(exc, httpx2.TransportError):
            return None
        base: float = self.settings.backoff * (2 ** attempt)
        return float(base + random.uniform(0, base / 4))

    def _model_info(self, ref: ModelRef) -> Any:
        assert ref.repo_id is not None
        repo_id = ref.repo_id
        if ref.repo_type == "dataset":
            return self._retrying("dataset info", lambda: self._api.dataset_info(
                repo_id, revision=ref.revision, timeout=self.settings.timeout,
                files_metadata=True))
        return self._retrying("model info", lambda: self._api.model_info(
            repo_id, revision=ref.revision, timeout=self.settings.timeout, files_metadata=True))

    def _get_file(self, ref: ModelRef, sha: str, path: str, size: int | None) -> FileBlob:
        limit = self.settings.max_file_bytes
        if size is not None and size > limit:
            return too_large(path, size, limit)
        try:
            data = self._retrying("file", lambda: self._download(ref, sha, path, limit))
        except Exception as exc:
            kind, message = classify(exc, ref)
            status = "gated" if kind == "gated" else "missing" if kind == "file-not-found" \
                else "unreadable"
            return FileBlob(path=path, size=size or 0, sha256=None, data=None, status=status,
                            reason=message)
        if data is None:
            return too_large(path, size or limit + 1, limit)
        return make_blob(path, data)

    def _download(self, ref: ModelRef, sha: str, path: str, limit: int) -> bytes | None:
        from huggingface_hub import hf_hub_url
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

        assert ref.repo_id is not None
        url = hf_hub_url(ref.repo_id, path, revision=sha, endpoint=self.endpoint,
                         repo_type=ref.repo_type if ref.repo_type == "dataset" else None)
        headers = build_hf_headers(token=self.settings.token, library_name="licscan",
                                   library_version=__version__)
        with get_session().stream("GET", url, headers=headers,
                                  timeout=self.settings.timeout, follow_redirects=True) as resp:
            hf_raise_for_status(resp)
            chunks: list[bytes] = []
            total = 0
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                total += len(chunk)
                if total > limit:
                    return None
        return b"".join(chunks)

    # -- snapshot -------------------------------------------------------------------------
    def fetch(self, ref: ModelRef) -> Snapshot:
        try:
            info = self._model_info(ref)
        except SourceError:
            raise
        except Exception as exc:
            kind, message = classify(exc, ref)
            raise SourceError(kind, message) from None
        sha = getattr(info, "sha", None)
        if not sha:
            raise SourceError("hub-error", "the Hub did not return a commit sha for this revision")
        sizes = {s.rfilename: getattr(s, "size", None) for s in (info.siblings or [])}
        card_data = _card_dict(getattr(info, "card_data", None))
        gated = info.gated or None
        readme_path = next((p for p in sizes if p.lower() == "readme.md"), None)
        readme = self._get_file(ref, sha, readme_path, sizes.get(readme_path)) \
            if readme_path else None
        card_origin = "model-info" if card_data is not None else "none"
        problem: tuple[str | None, int | None] = (None, None)
        if card_data is None and readme is not None and readme.data is not None:
            text = decode_text(readme.data)
            parsed = parse_card(text) if text is not None else None
            if parsed is not None and parsed.data is not None:
                card_data, card_origin = parsed.data, "README.md"
            elif parsed is not None:
                problem = (parsed.problem, parsed.problem_line)
        link = card_data.get("license_link") if card_data else None
        files = tuple(self._get_file(ref, sha, p, sizes.get(p))
                      for p in select_license_files(sizes, link))
        return Snapshot(ref=ref, source="hub", revision=sha, card_data=card_data,
                        card_data_origin=card_origin, readme=readme, files=files,
                        listing=tuple(sorted(sizes)), gated=gated if gated else None,
                        private=bool(getattr(info, "private", False)),
                        card_problem=problem[0], card_problem_line=problem[1])


def _card_dict(card_data: Any) -> dict[str, Any] | None:
    if card_data is None:
        return None
    if isinstance(card_data, dict):
        return card_data
    to_dict = getattr(card_data, "to_dict", None)
    return dict(to_dict()) if callable(to_dict) else None


def _retry_after(response: Any) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def classify(exc: BaseException, ref: ModelRef) -> tuple[str, str]:
    """Map a client exception to (kind, message) for the report. Never includes headers."""
    import httpx2
    from huggingface_hub import errors

    name = ref.repo_id or ref.target
    if isinstance(exc, errors.GatedRepoError):
        return "gated", (f"{name} is gated: its files need an approved token "
                         "(set HF_TOKEN to a token that was granted access)")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return "not-found", (f"{name} was not found on the Hub, or it is private and the token "
                             "has no access")
    if isinstance(exc, errors.RevisionNotFoundError):
        return "revision-not-found", f"revision {ref.revision!r} does not exist in {name}"
    if isinstance(exc, errors.DisabledRepoError):
        return "disabled", f"{name} has been disabled on the Hub"
    if isinstance(exc, errors.RemoteEntryNotFoundError):
        return "file-not-found", "file not found at this revision"
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        if status == 429:
            return "rate-limited", f"the Hub kept answering 429 (rate limited) for {name}"
        return "hub-error", f"the Hub answered HTTP {status} for {name}"
    if isinstance(exc, httpx2.TimeoutException):
        return "timeout", f"the Hub did not answer in time for {name}"
    if isinstance(exc, (httpx2.TransportError, ConnectionError)):
        return "network", f"cannot reach the Hub for {name}: {type(exc).__name__}"
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return "offline", "offline mode is enabled (HF_HUB_OFFLINE)"
    if isinstance(exc, ValueError):
        return "invalid", f"{name}: {exc}"
    raise exc
