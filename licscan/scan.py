"""The only wiring of the pipeline: refs -> snapshots -> conclusions -> the context -> verdicts
-> ScanResult.

After fetching and concluding (and lineage), each model goes through two stages: the context
stage (`licscan.terms.context_result.ContextStage`: the context evaluated once over the license
expression) and the policy (`licscan.policy.applied.AppliedPolicy`: the one engine, with the
built-in default or a configured licscan.yaml). `configured_scanner` builds a Scanner from
licscan.yaml.

Threads only for I/O: the worker threads run `Source.fetch` and nothing else; each snapshot is
concluded (identification included) on the calling thread as its fetch completes, and the
base models and datasets it names start fetching then (`related.FetchPlan`): a base's own
bases as soon as that base is read, not once its whole generation is. Each repository is
fetched at most once per scan (a memo keyed by `ref_key`: repository and revision), so a
hundred fine-tunes of one base fetch the base once. Lineage and datasets (`related.py`, no
I/O) name the base models and datasets they need, and find them fetched through the same memo.
Output order is the input order, and the output the same, whatever order the fetches complete
in.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from licscan import __version__
from licscan.conclude import conclude
from licscan.errors import SourceError
from licscan.lineage.related import FetchPlan, Related, Walk, resolve_related
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
from licscan.rulepack import RulePack, load_rulepack
from licscan.sources.base import KindSource, LocalSource, RefKey, Source, ref_key
from licscan.sources.cache import cache_root
from licscan.sources.hub import HubSettings, HubSource, RequestCounter
from licscan.terms.context import Context
from licscan.terms.context_result import ContextStage, attach

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


def _fetch(source: Source, ref: ModelRef) -> Snapshot | SourceError:
    """On a worker thread: the snapshot, or why not. Nothing else runs there."""
    try:
        return source.fetch(ref)
    except SourceError as exc:
        return exc
    except Exception as exc:  # a bug or an unexpected client error: one model, not the scan
        return SourceError("internal", f"{type(exc).__name__}: {exc}")


class Scanner:
    def __init__(self, options: ScanOptions, pack: RulePack | None = None,
                 policy: Policy | None = None, finalize: ContextStage | None = None,
                 on_result: Callable[[ModelResult], None] | None = None,
                 source: Source | None = None) -> None:
        """`finalize`: the context stage (default: no context); `policy`: the built-in
        default unless given (a configured one: `configured_scanner`); `on_result`: called
        in the calling thread once per model given to `scan`, as soon as it is concluded
        (models in the order their fetches finish);
        `source`: where snapshots come from (default: the Hub for Hub refs, the disk for
        the others)."""
        self.options = options
        self.on_result = on_result
        self.pack = pack or load_rulepack(options.rules_dirs)
        self.counter = RequestCounter()
        self.stage = finalize or ContextStage(self.pack, None)
        self.policy = policy or AppliedPolicy.of(DEFAULT_POLICY, self.pack, self.stage.context,
                                                 today_utc(), stage=self.stage)
        self._hub: HubSource | None = None
        self._hub_lock = threading.Lock()  # the first Hub fetches race to create the client
        self.source: Source = source or KindSource(self.hub, LocalSource(
            options.hub.max_file_bytes, self._ollama_cache))
        self.context_dict: dict[str, Any] | None = None
        # Per scan, touched only by the calling thread: the fetches started (worker threads
        # run them and nothing else), the models concluded from them, and each distinct
        # license file identified.
        self._pool: ThreadPoolExecutor | None = None
        self._fetches: dict[RefKey, tuple[ModelRef, Future[Snapshot | SourceError]]] = {}
        # the fetches started and not yet handed out by `_arrivals`; each completed one's key
        # is put on `_done` (by the worker thread, the one thing it does besides fetching)
        self._waiting: set[RefKey] = set()
        self._done: SimpleQueue[RefKey] = SimpleQueue()
        self._concluded: dict[RefKey, ModelResult] = {}
        self._identified: dict[tuple[bytes, str], Any] = {}

    # -- fetching (the only work of the worker threads) ------------------------------------
    def hub(self) -> HubSource:
        with self._hub_lock:
            if self._hub is None:
                settings = self.options.hub
                if self.options.offline:  # no network: the cache (and local folders) only
                    settings = replace(settings, offline=True)
                self._hub = HubSource(settings, counter=self.counter)
            return self._hub

    def _ollama_cache(self) -> Path | None:
        hub = self.options.hub
        return cache_root(hub.cache_dir) if hub.use_cache else None

    def fetch(self, ref: ModelRef) -> Snapshot:
        return self.source.fetch(ref)

    def _submit(self, ref: ModelRef) -> RefKey:
        """Start fetching `ref` unless this scan already has (a hundred fine-tunes of one
        base fetch it once)."""
        key = ref_key(ref)
        if key not in self._fetches:
            assert self._pool is not None
            future = self._pool.submit(_fetch, self.source, ref)
            self._fetches[key] = (ref, future)
            self._waiting.add(key)
            done = self._done
            future.add_done_callback(lambda _future: done.put(key))
        return key

    def _arrivals(self) -> Iterator[tuple[RefKey, ModelResult]]:
        """Every fetch of the scan, those started while this runs included, concluded on this
        thread as it completes, until none is left."""
        while self._waiting:
            key = self._done.get()
            if key in self._waiting:
                self._waiting.discard(key)
                yield key, self._conclude(key)

    def _conclude(self, key: RefKey) -> ModelResult:
        concluded = self._concluded.get(key)
        if concluded is None:
            ref, future = self._fetches[key]
            concluded = self._concluded[key] = self.scan_fetched(ref, future.result())
        return concluded

    def scan_fetched(self, ref: ModelRef, fetched: Snapshot | SourceError) -> ModelResult:
        """One model from its fetch: concluded, or the error that stopped it."""
        source = "hub" if ref.kind == "hub" else "local"
        if isinstance(fetched, SourceError):
            return self._error(ref, source, fetched.kind, fetched.message)
        try:
            return self.evaluate(fetched)
        except Exception as exc:
            return self._error(ref, source, "internal", f"{type(exc).__name__}: {exc}")

    # -- evaluation (the calling thread) -----------------------------------------------------
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
        options = self.options
        follow = Related(options.lineage, options.datasets, options.max_depth)
        self._fetches, self._concluded = {}, {}
        self._waiting, self._done = set(), SimpleQueue()
        with self._fetching():
            keys = [self._submit(ref) for ref in refs]
            listed = Counter(keys)  # a model listed twice is one fetch, two ticks
            plan = FetchPlan(follow, set(keys))
            for key, model in self._arrivals():
                for related in plan.after(key, model):
                    self._submit(related)  # bases and datasets start while others load
                if self.on_result is not None:
                    for _ in range(listed[key]):
                        self.on_result(model)
            top = [self._concluded[key] for key in keys]
            for ref, exc in failed:
                top.append(self._error(ref, "hub" if ref.kind == "hub" else "local",
                                       exc.kind, exc.message))
                if self.on_result is not None:
                    self.on_result(top[-1])
            top = self._walk(resolve_related(top, self.pack, follow))
        models = tuple(self.decide(m) for m in top)
        return ScanResult(models=models, tool_version=__version__, rulepack=self.pack.stamp(),
                          generated_at=timestamp(), context=self.context_dict,
                          stats={"requests": self.counter.count,
                                 "seconds": round(time.monotonic() - started, 3)})

    @contextmanager
    def _fetching(self) -> Iterator[None]:
        """The worker threads, for the length of a scan."""
        with ThreadPoolExecutor(max_workers=max(1, self.options.jobs),
                                thread_name_prefix="licscan") as pool:
            self._pool = pool
            try:
                yield
            finally:
                self._pool = None

    def _walk(self, walk: Walk) -> list[ModelResult]:
        """Run `related.resolve_related`: fetch what it asks for, send it the results."""
        try:
            wanted = next(walk)
            while True:
                wanted = walk.send(self.fetch_all(wanted))
        except StopIteration as end:
            models: list[ModelResult] = end.value
            return models

    def fetch_all(self, refs: Sequence[ModelRef]) -> list[ModelResult]:
        """Fetch (once each per scan, concurrently), conclude on this thread, and return in
        order: base models and datasets."""
        if self._pool is None:  # called outside a scan
            with self._fetching():
                return self.fetch_all(refs)
        keys = [self._submit(ref) for ref in refs]
        for _arrived in self._arrivals():  # concluded as they complete, not in list order
            pass
        return [self._conclude(key) for key in keys]


def scan(refs: Sequence[ModelRef], options: ScanOptions | None = None,
         source: Source | None = None) -> ScanResult:
    return Scanner(options or ScanOptions(), source=source).scan(refs)


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
