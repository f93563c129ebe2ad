"""`licscan scan --author ORG` and `--search TEXT`: the models are listed through
`HfApi.list_models` from the Hub test double (paged with a `Link` header, as the Hub does), then
scanned with the same cache and concurrency. Requests are counted by the double."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from licscan.scan import Scanner, ScanOptions
from licscan.sources.hub import HubSettings, HubSource
from tests.hubdouble import Fault, HubDouble, RepoSpec

REPO = Path(__file__).resolve().parent.parent


def card(license_id: str) -> str:
    return f"---\nlicense: {license_id}\n---\n# a model\n"


def licscan(cwd: Path, hub: HubDouble, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_ENDPOINT=hub.url)
    return subprocess.run([sys.executable, "-m", "licscan", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def settings(hub: HubDouble) -> HubSettings:
    return HubSettings(endpoint=hub.url, timeout=10, retries=0)


@pytest.fixture
def big_org() -> HubDouble:
    """A double with 1,234 models of `bigorg` (page size 1,000, as the Hub pages listings)
    and a few models of other authors."""
    with HubDouble(list_page_size=1000) as double:
        for i in range(1234):
            double.add_model(RepoSpec(f"bigorg/model-{i:04d}",
                                      files={"README.md": card("mit" if i % 2 else "apache-2.0")}))
        double.add_model(RepoSpec("other/model-0001", files={"README.md": card("mit")}))
        yield double


def test_listing_an_organisation_of_1234_models(big_org: HubDouble) -> None:
    source = HubSource(settings(big_org))
    refs = source.list_models(author="bigorg")
    assert len(refs) == 1234
    assert refs[0].repo_id == "bigorg/model-0000" and refs[-1].repo_id == "bigorg/model-1233"
    listing = big_org.count(kind="list")
    assert listing == 2  # 1,234 models in pages of 1,000: at most 2 requests per 1,000
    assert listing <= 2 * len(refs) / 1000
    assert source.listing_requests == listing == source.counter.count
    assert big_org.count() == listing  # nothing but the listing so far
    pinned = source.listed["bigorg/model-0007"]
    assert pinned.sha == big_org.sha("bigorg/model-0007")
    queries = [r.query for r in big_org.requests]
    assert all("author=bigorg" in q and "expand=sha" in q for q in queries), queries


def test_scan_an_organisation_and_rescan_from_the_cache(hub: HubDouble, tmp_path: Path) -> None:
    for i in range(25):
        hub.add_model(RepoSpec(f"acme/m{i:02d}", files={
            "README.md": card("cc-by-nc-4.0" if i == 3 else "mit")}))
    hub.add_model(RepoSpec("acme-labs/x", files={"README.md": card("mit")}))  # other author
    hub.add_model(RepoSpec("acme/broken", files={"README.md": card("mit")}))
    hub.add_fault(Fault(repo_id="acme/broken", status=500, times=None))
    out = tmp_path / "org.json"
    first = licscan(tmp_path, hub, "scan", "--author", "acme", "--no-config", "-f", "json",
                    "-o", str(out), "--jobs", "4")
    models: list[dict[str, Any]] = json.loads(out.read_text())["models"]
    assert [m["id"] for m in models] == ["acme/broken", *(f"acme/m{i:02d}" for i in range(25))]
    assert first.returncode == 1  # one non-commercial model (denied) and one error
    by_id = {m["id"]: m for m in models}
    assert by_id["acme/m03"]["verdict"] == "deny"
    assert by_id["acme/broken"]["status"] == "error"
    assert sum(m["verdict"] == "allow" for m in models) == 24
    assert "--author acme: 26 model(s) listed in 1 request(s)" in first.stderr
    assert hub.count(kind="list") == 1

    # A second scan: the listing pins each model's commit, and the cached snapshots at those
    # commits need no request at all (only the model that failed is asked for again).
    hub.reset_log()
    second = licscan(tmp_path, hub, "scan", "--author", "acme", "--no-config", "-f", "json",
                     "-o", str(out))
    assert second.returncode == 1
    assert hub.count(kind="list") == 1
    asked = {r.repo_id for r in hub.requests if r.kind != "list"}
    assert asked == {"acme/broken"}, asked
    assert [m["verdict"] for m in json.loads(out.read_text())["models"]] == \
        [m["verdict"] for m in models]


def test_a_changed_model_is_fetched_again(hub: HubDouble) -> None:
    hub.add_model(RepoSpec("acme/m", files={"README.md": card("mit")}))
    options = ScanOptions(jobs=2, hub=settings(hub))
    scanner = Scanner(options)
    first = scanner.scan(scanner.hub().list_models(author="acme")).models[0]
    assert first.license is not None and first.license.expression == "MIT"
    time.sleep(0.01)
    hub.add_model(RepoSpec("acme/m", files={"README.md": card("cc-by-nc-4.0")}))  # new commit
    hub.reset_log()
    scanner = Scanner(options)
    again = scanner.scan(scanner.hub().list_models(author="acme")).models[0]
    assert again.license is not None and again.license.expression == "CC-BY-NC-4.0"
    assert again.revision == hub.sha("acme/m") != first.revision
    assert hub.count(repo_id="acme/m", kind="info") == 1


def test_search_and_author_together(hub: HubDouble) -> None:
    for repo_id in ("acme/chat-7b", "acme/chat-70b", "acme/embed", "other/chat-1b"):
        hub.add_model(RepoSpec(repo_id, files={"README.md": card("mit")}))
    source = HubSource(settings(hub))
    assert [r.repo_id for r in source.list_models(search="chat")] == [
        "acme/chat-70b", "acme/chat-7b", "other/chat-1b"]
    assert [r.repo_id for r in HubSource(settings(hub)).list_models(
        author="acme", search="CHAT")] == ["acme/chat-70b", "acme/chat-7b"]


def test_listing_errors_and_empty_results(hub: HubDouble, tmp_path: Path) -> None:
    hub.add_model(RepoSpec("acme/m", files={"README.md": card("mit")}))
    none = licscan(tmp_path, hub, "scan", "--author", "nobody", "--no-config")
    assert none.returncode == 2
    assert "the Hub lists no models for --author nobody" in none.stderr
    offline = licscan(tmp_path, hub, "scan", "--author", "acme", "--offline", "--no-config")
    assert offline.returncode == 2 and "cannot be used with --offline" in offline.stderr
    hub.reset_log()
    hub.add_fault(Fault(scope="list", status=503, times=None))
    failing = licscan(tmp_path, hub, "scan", "--search", "m", "--no-config", "--timeout", "5")
    assert failing.returncode != 0
    assert "could not list the models of search 'm'" in failing.stderr
    assert hub.count(kind="list") == 3  # the default 2 retries, not the client's 5
    assert "Traceback" not in failing.stderr


def test_a_listing_cut_at_its_limit_fails_the_gate(big_org: HubDouble, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Models past the listing limit are not scanned: the scan says so as an error item and
    fails closed, never silently."""
    from click.testing import CliRunner

    from licscan.cli import cli
    from licscan.sources import hub as hub_module

    monkeypatch.setattr(hub_module, "MAX_LISTED", 5)
    monkeypatch.setenv("HF_ENDPOINT", big_org.url)
    out = tmp_path / "r.json"
    done = CliRunner().invoke(cli, ["scan", "--author", "bigorg", "--no-config", "--cache-dir",
                                    str(tmp_path / "cache"), "-f", "json", "-o", str(out)],
                              standalone_mode=False)
    assert done.return_value == 1, done.output
    models = json.loads(out.read_text())["models"]
    assert len([m for m in models if m["status"] == "ok"]) == 5
    cut = [m for m in models if m["status"] == "error"]
    assert len(cut) == 1 and cut[0]["error"]["kind"] == "incomplete"
    assert "stopped at 5 models" in cut[0]["error"]["message"]
