"""The only wiring of the pipeline: refs -> snapshots -> conclusions -> verdicts -> ScanResult.

Each repository is fetched at most once per scan (a memo of futures keyed by repo and
revision), so a hundred fine-tunes of one base fetch the base once. Output order is the input
order, whatever order the fetches complete in.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from licscan import __version__
from licscan.conclude import conclude
from licscan.errors import SourceError
from licscan.model import ModelError, ModelRef, ModelResult, ScanResult, Snapshot
from licscan.rulepack import RulePack, load_rulepack
from licscan.sources.hub import HubSettings, HubSource, RequestCounter
from licscan.sources.local import fetch_local
from licscan.verdict import Decision, default_policy

DEFAULT_JOBS = 8
Policy = Callable[[ModelResult], Decision]
Finalizer = Callable[[ModelResult], ModelResult]


@dataclass(frozen=True)
class ScanOptions:
    jobs: int = DEFAULT_JOBS
    hub: HubSettings = field(default_factory=HubSettings)
    rules_dirs: tuple[str, ...] = ()
    lineage: bool = True
    max_depth: int = 8
    datasets: bool = True
    offline: bool = False  # no Hub requests: Hub models from the cache, else not-cached


def timestamp() -> str:
    """Now, or SOURCE_DATE_EPOCH for reproducible reports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() \
        else datetime.now(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def _key(ref: ModelRef) -> tuple[str, str, str | None]:
    if ref.kind == "local":
        return ("local", ref.path or ref.target, None)
    return (ref.repo_type, ref.repo_id or ref.target, ref.revision)


class Scanner:
    def __init__(self, options: ScanOptions, pack: RulePack | None = None,
                 policy: Policy | None = None, finalize: Finalizer | None = None) -> None:
        self.options = options
        self.pack = pack or load_rulepack(options.rules_dirs)
        self.counter = RequestCounter()
        self.policy = policy
        self.finalize = finalize  # e.g. terms evaluation in the user's context
        self._hub: HubSource | None = None
        self._hub_lock = threading.Lock()
        self._memo: dict[tuple[str, str, str | None], Future[ModelResult]] = {}
        self._memo_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self.context_dict: dict[str, Any] | None = None
        self._identified: dict[tuple[bytes, str], Any] = {}

    # -- fetching ------------------------------------------------------------------------
    def hub(self) -> HubSource:
        with self._hub_lock:
            if self._hub is None:
                settings = self.options.hub
                if self.options.offline:  # no network: the cache (and local folders) only
                    settings = replace(settings, offline=True)
                self._hub = HubSource(settings, counter=self.counter)
            return self._hub

    def fetch(self, ref: ModelRef) -> Snapshot:
        if ref.kind == "local":
            return fetch_local(ref, self.options.hub.max_file_bytes)
        return self.hub().fetch(ref)

    def scan_one(self, ref: ModelRef) -> ModelResult:
        source = "local" if ref.kind == "local" else "hub"
        try:
            snapshot = self.fetch(ref)
        except SourceError as exc:
            return self._error(ref, source, exc.kind, exc.message)
        except Exception as exc:  # a bug or an unexpected client error: one model, not the scan
            return self._error(ref, source, "internal", f"{type(exc).__name__}: {exc}")
        try:
            return self.evaluate(snapshot)
        except Exception as exc:
            return self._error(ref, source, "internal", f"{type(exc).__name__}: {exc}")

    def _submit(self, ref: ModelRef) -> Future[ModelResult]:
        assert self._pool is not None
        key = _key(ref)
        with self._memo_lock:
            future = self._memo.get(key)
            if future is None:
                future = self._memo[key] = self._pool.submit(self.scan_one, ref)
        return future

    # -- evaluation ----------------------------------------------------------------------
    def evaluate(self, snapshot: Snapshot) -> ModelResult:
        from licscan.identify import identify_text

        result = conclude(snapshot, self.pack, self._identify_bytes, identify_text)
        card = snapshot.card_data or {}
        return ModelResult(
            ref=snapshot.ref, status="ok", source=snapshot.source, revision=snapshot.revision,
            verdict="review", declared=result.declared, license=result.license,
            flags=result.flags, findings=result.findings, gated=snapshot.gated,
            extra={"notes": list(snapshot.notes), "tags": list(snapshot.tags),
                   "declared_rules": [r.id for r in result.declared_license.rules],
                   "declared_expression": result.declared_license.expression,
                   "card": {k: card[k] for k in ("base_model", "base_model_relation",
                                                 "datasets", "pipeline_tag", "tags")
                            if k in card}})

    def _identify_bytes(self, data: bytes, pack: RulePack, path: str) -> Any:
        """Identify each distinct file once per scan (a hundred copies of one LICENSE)."""
        from licscan.identify import identify_bytes

        key = (hashlib.sha256(data).digest(), path)
        found = self._identified.get(key)
        if found is None:
            found = self._identified[key] = identify_bytes(data, pack, path)
        return found

    def _error(self, ref: ModelRef, source: str, kind: str, message: str) -> ModelResult:
        from licscan.redact import redact

        return ModelResult(ref=ref, status="error", source=source, revision=None,
                           verdict="review", error=ModelError(kind, redact(message)))

    def decide(self, model: ModelResult) -> ModelResult:
        if self.finalize is not None and model.status == "ok":
            model = self.finalize(model)
        decision = (self.policy or default_policy)(model)
        extra: dict[str, Any] = dict(model.extra)
        extra.update(getattr(decision, "extra", None) or {})  # e.g. the waivers considered
        extra["decided_by"] = decision.decided_by
        findings = model.findings + tuple(getattr(decision, "findings", ()))  # waiver-expired
        return replace(model, verdict=decision.verdict, verdict_reason=decision.reason,
                       findings=findings, extra=extra)

    # -- the scan ------------------------------------------------------------------------
    def scan(self, refs: Sequence[ModelRef]) -> ScanResult:
        from licscan.related import resolve_related

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(1, self.options.jobs),
                                thread_name_prefix="licscan") as pool:
            self._pool = pool
            top = self.fetch_all(refs)
            top = resolve_related(self, top)  # offline: parents and datasets from the cache
            models = tuple(self.decide(m) for m in top)
        self._pool = None
        return ScanResult(models=models, tool_version=__version__, rulepack=self.pack.stamp(),
                          generated_at=timestamp(), context=self.context_dict,
                          stats={"requests": self.counter.count,
                                 "seconds": round(time.monotonic() - started, 3)})

    def fetch_all(self, refs: Sequence[ModelRef]) -> list[ModelResult]:
        """Fetch (once each, concurrently) and return in order; used for parents and datasets."""
        futures = [self._submit(ref) for ref in refs]
        return [f.result() for f in futures]


def scan(refs: Sequence[ModelRef], options: ScanOptions | None = None) -> ScanResult:
    return Scanner(options or ScanOptions()).scan(refs)
