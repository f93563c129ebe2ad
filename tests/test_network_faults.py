"""Network faults: timeouts, 5xx, rate limits, dropped connections and gated repos end in a
report, with bounded retries and bounded wall time (bounds are generous: they catch hangs)."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from licscan.scan import Scanner, ScanOptions
from licscan.sources.hub import HubSettings, HubSource, wait_hint
from licscan.targets import parse_target
from tests.hubdouble import Fault, HubDouble, RepoSpec

FILES = {"README.md": "---\nlicense: mit\n---\n# model\n", "LICENSE": "MIT License\n"}


def _add(hub: HubDouble, *repo_ids: str, **spec: object) -> None:
    for repo_id in repo_ids:
        hub.add_model(RepoSpec(repo_id=repo_id, files=FILES, **spec))  # type: ignore[arg-type]


class Sleeps:
    """Records the waits instead of waiting (time does not pass)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _source(hub: HubDouble, sleep: Sleeps | None = None, **settings: object) -> HubSource:
    values: dict[str, object] = {"endpoint": hub.url, "timeout": 5, "backoff": 0.01,
                                 "use_cache": False, **settings}
    return HubSource(HubSettings(**values), sleep=sleep or Sleeps())  # type: ignore[arg-type]


def _fetch_kind(source: HubSource, target: str) -> str:
    try:
        source.fetch(parse_target(target))
    except Exception as exc:
        return str(getattr(exc, "kind", type(exc).__name__))
    return "ok"


def test_cli_scan_with_faults_completes(hub: HubDouble, tmp_path: Path) -> None:
    _add(hub, "acme/slow", "acme/down", "acme/limited", "acme/fine")
    _add(hub, "meta/gated", gated="manual")
    hub.add_fault(Fault(repo_id="acme/slow", delay_s=4))  # every request, longer than --timeout
    hub.add_fault(Fault(repo_id="acme/down", status=500))  # forever
    hub.add_fault(Fault(repo_id="acme/limited", status=429, times=1, retry_after=1))
    out = tmp_path / "report.json"
    env = {**os.environ, "HF_ENDPOINT": hub.url, "LICSCAN_CACHE_DIR": str(tmp_path / "cache")}
    targets = ["acme/slow", "acme/down", "acme/limited", "meta/gated", "acme/fine"]
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "licscan", "scan", *targets, "--timeout", "1",
                           "-f", "json", "-o", str(out)], capture_output=True, text=True,
                          env=env, timeout=120)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert elapsed < 60  # three 1 s timeouts and ~2 s of backoff, not minutes
    models = {m["id"]: m for m in json.loads(out.read_text())["models"]}
    assert [m["id"] for m in json.loads(out.read_text())["models"]] == targets
    assert models["acme/slow"]["error"]["kind"] == "timeout"
    assert models["acme/down"]["error"]["kind"] == "hub-error"
    assert "HTTP 500" in models["acme/down"]["error"]["message"]
    assert models["acme/limited"]["status"] == "ok"
    assert models["acme/limited"]["license"]["expression"] == "MIT"
    assert models["meta/gated"]["status"] == "ok" and models["meta/gated"]["gated"] == "manual"
    assert models["acme/fine"]["status"] == "ok"
    assert _eventually(lambda: hub.count(repo_id="acme/slow", kind="info") == 3)  # 1 + 2
    assert hub.count(repo_id="acme/down", kind="info") == 3
    assert hub.count(repo_id="acme/limited", kind="info") == 2
    assert hub.count(repo_id="acme/fine") == 1 + 2 * 2


def _eventually(condition: Callable[[], bool], within_s: float = 30) -> bool:
    """The double logs a delayed request when its delay ends, after the client gave up."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_rate_limit_reset_is_honoured(hub: HubDouble) -> None:
    _add(hub, "acme/limited")
    hub.add_fault(Fault(repo_id="acme/limited", status=429, times=1, retry_after=7))
    sleeps = Sleeps()
    assert _fetch_kind(_source(hub, sleeps), "acme/limited") == "ok"
    assert sleeps.calls[0] == 7.0  # time stood still, so the file GETs waited for it as well
    assert all(6.0 < s <= 7.0 for s in sleeps.calls)
    assert hub.count(repo_id="acme/limited", kind="info") == 2


def test_long_rate_limit_is_not_waited_for(hub: HubDouble) -> None:
    _add(hub, "acme/limited")
    hub.add_fault(Fault(repo_id="acme/limited", status=429, retry_after=300))
    sleeps = Sleeps()
    source = _source(hub, sleeps)
    with pytest.raises(Exception) as info:
        source.fetch(parse_target("acme/limited"))
    assert getattr(info.value, "kind", None) == "rate-limited"
    assert "resets in 300 s" in str(info.value)
    assert sleeps.calls == []
    assert hub.count(repo_id="acme/limited", kind="info") == 1


def test_rate_limit_over_the_budget_is_not_waited_for(hub: HubDouble) -> None:
    _add(hub, "acme/limited")
    hub.add_fault(Fault(repo_id="acme/limited", status=429, retry_after=10))
    sleeps = Sleeps()
    kind = _fetch_kind(_source(hub, sleeps, max_retry_total=5), "acme/limited")
    assert kind == "rate-limited" and sleeps.calls == []


def test_a_429_pauses_every_request(hub: HubDouble) -> None:
    _add(hub, "acme/a", "acme/b")
    hub.add_fault(Fault(repo_id="acme/a", status=429, times=1, retry_after=3))
    sleeps = Sleeps()
    source = _source(hub, sleeps)
    assert _fetch_kind(source, "acme/a") == "ok"
    assert _fetch_kind(source, "acme/b") == "ok"  # time stood still: b waits for the reset too
    assert sleeps.calls[0] == 3.0 and len(sleeps.calls) >= 2
    assert all(2.0 < s <= 3.0 for s in sleeps.calls)


def test_retry_sleep_has_a_total_budget(hub: HubDouble) -> None:
    _add(hub, "acme/a", "acme/b")
    hub.add_fault(Fault(repo_id="acme/a", status=503))
    hub.add_fault(Fault(repo_id="acme/b", status=503))
    source = HubSource(HubSettings(endpoint=hub.url, use_cache=False, backoff=0.6,
                                   max_retry_total=1.0, retries=5))
    assert _fetch_kind(source, "acme/a") == "hub-error"
    assert _fetch_kind(source, "acme/b") == "hub-error"
    assert hub.count(repo_id="acme/a", kind="info") == 2  # 0.6 s fits, 1.2 s more does not
    assert hub.count(repo_id="acme/b", kind="info") == 1  # the budget is spent


@pytest.mark.parametrize(("headers", "expected"), [
    ({"RateLimit": '"api";r=0;t=55'}, 55.0),
    ({"RateLimit": '"api";r=0;t=55', "Retry-After": "3"}, 55.0),
    ({"RateLimit": '"api";r=12;t=55', "Retry-After": "3"}, 3.0),  # quota left: not the cause
    ({"Retry-After": "2.5"}, 2.5),
    ({"Retry-After": "-4"}, 0.0),
    ({"Retry-After": "nan"}, None),
    ({"Retry-After": "soon"}, None),
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
    ({}, None),
])
def test_wait_hint(headers: dict[str, str], expected: float | None) -> None:
    assert wait_hint(headers) == expected


def test_dropped_connection_is_retried(hub: HubDouble) -> None:
    _add(hub, "acme/flaky")
    hub.add_fault(Fault(repo_id="acme/flaky", drop_connection=True, times=1))
    assert _fetch_kind(_source(hub), "acme/flaky") == "ok"
    assert hub.count(repo_id="acme/flaky", kind="info") == 2


def test_unreachable_hub_is_a_network_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    source = HubSource(HubSettings(endpoint=f"http://127.0.0.1:{port}", use_cache=False,
                                   backoff=0.01), sleep=Sleeps())
    assert _fetch_kind(source, "acme/m") == "network"


def test_every_client_request_gets_a_timeout(hub: HubDouble,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The request hook (research doc §6.3): calls that pass timeout=None time out too."""
    import httpx2
    from huggingface_hub import HfApi
    from huggingface_hub.utils import get_session  # type: ignore[attr-defined]

    from licscan.sources import hub as hub_module

    for key, value in hub_module._fallback_timeout.items():  # restored after the test
        monkeypatch.setitem(hub_module._fallback_timeout, key, value)

    _add(hub, "acme/slow")
    hub.add_fault(Fault(repo_id="acme/slow", delay_s=3))
    _source(hub, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(httpx2.TimeoutException):
        get_session().get(f"{hub.url}/api/models/acme/slow")
    with pytest.raises(httpx2.TimeoutException):
        HfApi(endpoint=hub.url).model_info("acme/slow")  # passes timeout=None itself
    assert time.monotonic() - started < 30


# Known bug, patch in the report (the mark lifts itself once Scanner.scan is fixed).
SERIAL_BUG = ".result() for ref in refs" in inspect.getsource(Scanner.scan)


@pytest.mark.xfail(SERIAL_BUG, strict=True, reason="Scanner.scan waits for each model's "
                   "result before submitting the next, so models are fetched one at a time")
def test_models_are_fetched_concurrently(hub: HubDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fetch waits until `jobs` fetches are in flight at once: serialised, none would."""
    import threading

    ids = [f"acme/m{i}" for i in range(4)]
    _add(hub, *ids)
    barrier = threading.Barrier(4, timeout=10)
    real_fetch = HubSource.fetch

    def fetch(self: HubSource, ref: object) -> object:
        barrier.wait()
        return real_fetch(self, ref)  # type: ignore[arg-type]

    monkeypatch.setattr(HubSource, "fetch", fetch)
    settings = HubSettings(endpoint=hub.url, use_cache=False)
    result = Scanner(ScanOptions(jobs=4, hub=settings)).scan([parse_target(t) for t in ids])
    assert [m.status for m in result.models] == ["ok"] * 4


def test_output_order_is_the_input_order(hub: HubDouble, tmp_path: Path) -> None:
    ids = [f"acme/m{i}" for i in range(12)]
    _add(hub, *ids)
    for i in range(0, 12, 3):  # the first of every three answers last
        hub.add_fault(Fault(repo_id=ids[i], delay_s=0.3))
    settings = HubSettings(endpoint=hub.url, use_cache=False)
    result = Scanner(ScanOptions(jobs=8, hub=settings)).scan([parse_target(t) for t in ids])
    assert [m.id for m in result.models] == ids
    assert all(m.status == "ok" for m in result.models)
