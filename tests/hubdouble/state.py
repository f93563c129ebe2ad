"""Thread-safe mutable state of a Hub double: repos, faults, the request log and seen tokens."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from .repo import Repo, build_repo
from .routes import Route
from .specs import Fault, RepoSpec, RepoType, RequestRecord, kind_matches
from .wire import Response, error_response

_RATE_LIMITED_API = frozenset({"info", "tree", "paths-info", "refs", "list", "other", "agent"})


def hub_timestamp() -> str:
    """Now, in the Hub's `2024-01-31T12:00:00.000Z` format."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


@dataclass
class _ArmedFault:
    fault: Fault
    remaining: int | None


@dataclass(frozen=True)
class FaultOutcome:
    """What the staged faults do to one request."""

    delay_s: float = 0.0
    response: Response | None = None
    drop: bool = False


class HubState:
    """Everything a request handler reads or writes; every method takes the lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._put_lock = threading.Lock()  # serializes writers so no commit history is lost
        self._repos: dict[tuple[RepoType, str], Repo] = {}
        self._faults: list[_ArmedFault] = []
        self._log: list[RequestRecord] = []
        self._tokens: set[str] = set()

    # -- repositories -------------------------------------------------------------------------

    def put(self, repo_type: RepoType, spec: RepoSpec) -> Repo:
        with self._put_lock:
            previous = self.get(repo_type, spec.repo_id)
            repo = build_repo(repo_type, spec, previous, hub_timestamp())  # readers not blocked
            with self._lock:
                self._repos[(repo_type, spec.repo_id)] = repo
        return repo

    def remove(self, repo_id: str, repo_type: RepoType | None = None) -> bool:
        types: tuple[RepoType, ...] = (repo_type,) if repo_type else ("model", "dataset")
        with self._put_lock, self._lock:
            removed = [self._repos.pop((rtype, repo_id), None) for rtype in types]
        return any(repo is not None for repo in removed)

    def get(self, repo_type: RepoType, repo_id: str) -> Repo | None:
        with self._lock:
            return self._repos.get((repo_type, repo_id))

    def exists(self, repo_type: RepoType, repo_id: str) -> bool:
        return self.get(repo_type, repo_id) is not None

    def repos(self, repo_type: RepoType) -> list[Repo]:
        with self._lock:
            return [repo for (rtype, _), repo in self._repos.items() if rtype == repo_type]

    def clear_repos(self) -> None:
        with self._lock:
            self._repos.clear()

    # -- faults ------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(_ArmedFault(fault, fault.times))
        return fault

    def remove_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [armed for armed in self._faults if armed.fault is not fault]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def rearm_faults(self) -> None:
        with self._lock:
            for armed in self._faults:
                armed.remaining = armed.fault.times

    def take_faults(self, route: Route, listener: str) -> FaultOutcome:
        """Consume the faults matching this request; the first one with a status answers it."""
        delay = 0.0
        with self._lock:
            for armed in self._faults:
                fault = armed.fault
                if not _fault_applies(fault, route, listener) or armed.remaining == 0:
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                delay += fault.delay_s
                if fault.drop_connection:
                    return FaultOutcome(delay, None, drop=True)
                if fault.status is not None:
                    return FaultOutcome(delay, fault_response(fault, route.kind))
        return FaultOutcome(delay)

    # -- request log -------------------------------------------------------------------------

    def record(self, entry: RequestRecord) -> None:
        with self._lock:
            self._log.append(entry)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def note_token(self, token: str) -> None:
        with self._lock:
            self._tokens.add(token)

    def tokens(self) -> set[str]:
        with self._lock:
            return set(self._tokens)

    def clear_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()


def _fault_applies(fault: Fault, route: Route, listener: str) -> bool:
    if fault.repo_id is not None and fault.repo_id != route.repo_id:
        return False
    if fault.repo_type is not None and fault.repo_type != route.repo_type:
        return False
    return kind_matches(fault.scope, route.kind, listener)


def fault_response(fault: Fault, kind: str) -> Response:
    status = fault.status or 500
    headers = list((fault.headers or {}).items())
    if status == 429:
        reset = fault.retry_after if fault.retry_after is not None else 0
        bucket = "api" if kind in _RATE_LIMITED_API else "resolvers"
        quota = 500 if bucket == "api" else 3000
        headers += [
            ("Retry-After", str(reset)),
            ("RateLimit", f'"{bucket}";r=0;t={reset}'),
            ("RateLimit-Policy", f'"fixed window";"{bucket}";q={quota};w=300'),
        ]
    elif fault.retry_after is not None:
        headers.append(("Retry-After", str(fault.retry_after)))
    message = fault.message or f"hubdouble: injected HTTP {status}"
    return error_response(status, message, code=fault.error_code, headers=headers)
