"""The only wiring of the pipeline: refs -> snapshots -> conclusions -> the context -> verdicts
-> ScanResult.

After fetching and concluding (and lineage), each model goes through two stages: the context
stage (`licscan.context_result.ContextStage`: the context evaluated once over the license
expression) and the policy (`licscan.policy.applied.AppliedPolicy`: the one engine, with the
built-in default or a configured licscan.yaml). `configured_scanner` builds a Scanner from
licscan.yaml.

Each repository is fetched at most once per scan (a memo of futures keyed by repo and
revision), so a hundred fine-tunes of one base fetch the base once. Output order is the input
order, whatever order the fetches complete in.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from licscan import __version__
from licscan.conclude import conclude
from licscan.context import Context
from licscan.context_result import ContextStage, attach
from licscan.errors import SourceError
from licscan.model import (
    CardFacts,
    ModelError,
    ModelRef,
    ModelResult,
    ScanResult,
    Snapshot,
    freeze,
)
from licscan.policy import today_utc
from licscan.policy.applied import AppliedPolicy, check_against_pack
from licscan.policy.default import DEFAULT_POLICY
from licscan.policy.model import Decision
from licscan.related import Related, resolve_related
from licscan.rulepack import RulePack, load_rulepack
from licscan.sources.hub import HubSettings, HubSource, RequestCounter
from licscan.sources.local import fetch_local

if TYPE_CHECKING:
    from licscan.config import Config

DEFAULT_JOBS = 8
#: the card fields lineage, datasets and the context read (kept, frozen, in CardFacts)
_CARD_FIELDS = ("base_model", "base_model_relation", "datasets", "pipeline_tag", "tags")
Policy = Callable[[ModelResult], Decision]


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
    if ref.kind == "ollama":  # the same name in two stores is two models
        return ("ollama", ref.target, ref.path)
    if ref.kind != "hub":
        return (ref.kind, ref.path or ref.target, None)
    return (ref.repo_type, ref.repo_id or ref.target, ref.revision)


def _fetch_offline_source(ref: ModelRef, hub: HubSettings) -> Snapshot:
    """Sources read from disk: a model folder, a weight file's header (GGUF, safetensors,
    ONNX), the Ollama store."""
    from licscan.weights import sources

    if ref.kind == "local":
        return fetch_local(ref, hub.max_file_bytes)
    if ref.kind == "gguf":
        return sources.fetch_gguf(ref)
    if ref.kind == "safetensors":
        return sources.fetch_safetensors(ref)
    if ref.kind == "onnx":
        return sources.fetch_onnx(ref)
    if ref.kind == "ollama":
        from licscan.sources.cache import cache_root

        return sources.fetch_ollama(ref, cache_root(hub.cache_dir) if hub.use_cache else None)
    raise SourceError("internal", f"unknown kind of model reference: {ref.kind!r}")


class Scanner:
    def __init__(self, options: ScanOptions, pack: RulePack | None = None,
                 policy: Policy | None = None, finalize: ContextStage | None = None,
                 on_result: Callable[[ModelResult], None] | None = None) -> None:
        """`finalize`: the context stage (default: no context); `policy`: the built-in
        default unless given (a configured one: `configured_scanner`); `on_result`: called
        in the calling thread once per model given to `scan`, as its fetch finishes."""
        self.options = options
        self.on_result = on_result
        self.pack = pack or load_rulepack(options.rules_dirs)
        self.counter = RequestCounter()
        self.stage = finalize or ContextStage(self.pack, None)
        self.policy = policy or AppliedPolicy.of(DEFAULT_POLICY, self.pack, self.stage.context,
                                                 today_utc(), stage=self.stage)
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
        if ref.kind != "hub":
            return _fetch_offline_source(ref, self.options.hub)
        return self.hub().fetch(ref)

    def scan_one(self, ref: ModelRef) -> ModelResult:
        source = "hub" if ref.kind == "hub" else "local"
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
        facts = CardFacts(
            fields=freeze({k: card[k] for k in _CARD_FIELDS if k in card}),
            tags=tuple(snapshot.tags),
            declared_rules=tuple(r.id for r in result.declared_license.rules),
            declared_expression=result.declared_license.expression)
        return ModelResult(
            ref=snapshot.ref, status="ok", source=snapshot.source, revision=snapshot.revision,
            verdict="review", declared=result.declared, license=result.license,
            flags=result.flags, findings=result.findings, gated=snapshot.gated,
            card=facts, notes=tuple(snapshot.notes))

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
        """The context stage, then the policy; the report follows the branch decided."""
        model = self.stage(model)
        decision = self.policy(model)
        if model.status == "ok" and decision.branch:
            result = self.stage.result(model)
            followed = result.follow(decision.branch)
            if followed is not result:
                model = attach(model, followed)
        waivers = decision.waivers
        findings = model.findings + decision.findings  # e.g. waiver-expired
        return replace(model, verdict=decision.verdict, verdict_reason=decision.reason,
                       decided_by=decision.decided_by, waivers=waivers, findings=findings)

    # -- the scan ------------------------------------------------------------------------
    def scan(self, refs: Sequence[ModelRef],
             failed: Sequence[tuple[ModelRef, SourceError]] = ()) -> ScanResult:
        """`failed`: models found but known to be unreadable before fetching (a broken
        manifest in the Ollama store); each is reported as an error after the others."""
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(1, self.options.jobs),
                                thread_name_prefix="licscan") as pool:
            self._pool = pool
            futures = [self._submit(ref) for ref in refs]
            if self.on_result is not None:  # a model listed twice is one fetch, two ticks
                given = Counter(futures)
                for done in as_completed(given):
                    for _ in range(given[done]):
                        self.on_result(done.result())
            top = [f.result() for f in futures]
            for ref, exc in failed:
                top.append(self._error(ref, "hub" if ref.kind == "hub" else "local",
                                       exc.kind, exc.message))
                if self.on_result is not None:
                    self.on_result(top[-1])
            options = self.options  # offline: parents and datasets from the cache
            top = resolve_related(self.fetch_all, top, self.pack,
                                  Related(options.lineage, options.datasets, options.max_depth))
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


def build_policy(config: Config, pack: RulePack, context: Context | None = None, *,
                 today: date | None = None, stage: ContextStage | None = None) -> AppliedPolicy:
    """The policy of a loaded licscan.yaml. `context` (from `--context FILE`) replaces the
    config's own `context:` section. Rule ids and families are checked against the pack."""
    check_against_pack(config.policy, pack, config.file)
    chosen = context if context is not None else config.context
    return AppliedPolicy.of(config.policy, pack, chosen, today or today_utc(), stage=stage)


def configured_scanner(config: Config, options: ScanOptions, context: Context | None = None, *,
                       today: date | None = None) -> tuple[Scanner, AppliedPolicy]:
    """A Scanner that applies licscan.yaml: its rule packs, its policy, and its context (or
    `context`, from --context) for both the verdicts and the report's terms and obligations."""
    options = replace(options, rules_dirs=(*options.rules_dirs, *config.rules))
    pack = load_rulepack(options.rules_dirs)
    chosen = context if context is not None else config.context
    stage = ContextStage(pack, chosen)
    policy = build_policy(config, pack, context, today=today, stage=stage)
    scanner = Scanner(options, pack, policy=policy, finalize=stage)
    scanner.context_dict = chosen.to_dict() if chosen is not None else None
    return scanner, policy
