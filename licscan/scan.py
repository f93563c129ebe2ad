"""The only wiring of the pipeline: refs -> snapshots -> conclusions -> verdicts -> ScanResult."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from licscan import __version__
from licscan.conclude import conclude
from licscan.errors import SourceError
from licscan.model import ModelError, ModelRef, ModelResult, ScanResult, Snapshot
from licscan.rulepack import RulePack, load_rulepack
from licscan.sources.hub import HubSettings, HubSource, RequestCounter
from licscan.sources.local import fetch_local
from licscan.verdict import Decision, default_decision

DEFAULT_JOBS = 8
Policy = Callable[[ModelResult], Decision]


@dataclass(frozen=True)
class ScanOptions:
    jobs: int = DEFAULT_JOBS
    hub: HubSettings = field(default_factory=HubSettings)
    rules_dirs: tuple[str, ...] = ()


def timestamp() -> str:
    """Now, or SOURCE_DATE_EPOCH for reproducible reports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit() \
        else datetime.now(timezone.utc).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


class Scanner:
    def __init__(self, options: ScanOptions, pack: RulePack | None = None,
                 policy: Policy | None = None) -> None:
        self.options = options
        self.pack = pack or load_rulepack(options.rules_dirs)
        self.counter = RequestCounter()
        self._hub: HubSource | None = None
        self.policy = policy

    def hub(self) -> HubSource:
        if self._hub is None:
            self._hub = HubSource(self.options.hub, counter=self.counter)
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
        return self.evaluate(snapshot)

    def evaluate(self, snapshot: Snapshot) -> ModelResult:
        from licscan.identify import identify_bytes, identify_text

        result = conclude(snapshot, self.pack, identify_bytes, identify_text)
        model = ModelResult(
            ref=snapshot.ref, status="ok", source=snapshot.source, revision=snapshot.revision,
            verdict="review", declared=result.declared, license=result.license,
            flags=result.flags, findings=result.findings, gated=snapshot.gated,
            extra={"rules": [r.id for r in result.rules], "evidence": list(result.evidence),
                   "notes": list(snapshot.notes)})
        decision = (self.policy or _default_policy)(model)
        return _with_decision(model, decision)

    def _error(self, ref: ModelRef, source: str, kind: str, message: str) -> ModelResult:
        from licscan.redact import redact

        model = ModelResult(ref=ref, status="error", source=source, revision=None,
                            verdict="review", error=ModelError(kind, redact(message)))
        decision = (self.policy or _default_policy)(model)
        return _with_decision(model, decision)

    def scan(self, refs: Sequence[ModelRef]) -> ScanResult:
        started = time.monotonic()
        jobs = max(1, min(self.options.jobs, len(refs) or 1))
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="licscan") as pool:
            models = tuple(pool.map(self.scan_one, refs))  # map keeps the input order
        return ScanResult(models=models, tool_version=__version__, rulepack=self.pack.stamp(),
                          generated_at=timestamp(),
                          context={"requests": self.counter.count,
                                   "seconds": round(time.monotonic() - started, 3)})


def _default_policy(model: ModelResult) -> Decision:
    if model.status == "error":
        reason = model.error.message if model.error else "could not be scanned"
        return Decision("review", f"not scanned: {reason}", "default-policy")
    return default_decision(model.license, model.flags, model.findings)


def _with_decision(model: ModelResult, decision: Decision) -> ModelResult:
    from dataclasses import replace

    extra: dict[str, Any] = dict(model.extra)
    extra["decided_by"] = decision.decided_by
    return replace(model, verdict=decision.verdict, verdict_reason=decision.reason, extra=extra)


def scan(refs: Sequence[ModelRef], options: ScanOptions | None = None) -> ScanResult:
    return Scanner(options or ScanOptions()).scan(refs)
