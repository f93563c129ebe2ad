"""Tests of the Hub double itself, driven by the real huggingface_hub 2.4.0 client."""

from __future__ import annotations

import os
import sys
import tempfile

from tests.hubdouble.fixtures import client_env, prepare_client_environment

if "huggingface_hub.constants" not in sys.modules and "HF_HUB_DISABLE_TELEMETRY" not in os.environ:
    # Running without the project conftest: isolate the client before it is imported.
    prepare_client_environment(tempfile.mkdtemp(prefix="hubdouble-test-home-"))

import http.client
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest
from huggingface_hub import HfApi, ModelCard, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    DisabledRepoError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from tests.hubdouble import Fault, HubDouble, RepoSpec

README = (
    "---\nlicense: apache-2.0\nbase_model: meta/llama\nlibrary_name: transformers\n"
    "datasets:\n- acme/data\n---\n# Llama FT\n"
)
LICENSE = b"Apache License\nVersion 2.0, January 2004\n"
WEIGHTS = b"\0" * 10
TOKEN = "hf_doubleSecretToken123"
Download = Callable[..., str]
Raw = tuple[int, dict[str, str], bytes]


def model_spec(repo_id: str = "acme/llama-ft", **options: object) -> RepoSpec:
    files = {"README.md": README, "LICENSE": LICENSE, "model.safetensors": WEIGHTS}
    return RepoSpec(repo_id, files=files, **options)  # type: ignore[arg-type]


@pytest.fixture
def api(hub: HubDouble) -> HfApi:
    return HfApi(endpoint=hub.url, token=False)


@pytest.fixture
def download(hub: HubDouble, tmp_path: Path) -> Download:
    return partial(
        hf_hub_download, endpoint=hub.url, cache_dir=tmp_path / "cache", token=False, etag_timeout=2
    )


def raw(
    hub: HubDouble,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> Raw:
    """One request with the standard library, to see exact statuses and headers."""
    parts = urlsplit(hub.url)
    connection = conn or http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    if conn is None:
        connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


# -- model_info, tree, paths-info, refs -----------------------------------------------------------


def test_model_info_has_card_data_sha_tags_and_siblings(hub: HubDouble, api: HfApi) -> None:
    sha = hub.add_model(model_spec())
    info = api.model_info("acme/llama-ft")
    assert info.sha == sha and len(sha) == 40
    assert info.card_data is not None and info.card_data.license == "apache-2.0"
    assert info.gated is False and info.private is False and info.disabled is False
    assert info.library_name == "transformers"
    assert {"license:apache-2.0", "base_model:meta/llama", "dataset:acme/data"} <= set(
        info.tags or []
    )
    assert [s.rfilename for s in info.siblings or []] == [
        "LICENSE",
        "README.md",
        "model.safetensors",
    ]
    assert info.created_at is not None and info.last_modified is not None


def test_model_info_blobs_gives_sizes_and_lfs(hub: HubDouble, api: HfApi) -> None:
    hub.add_model(model_spec())
    siblings = {
        s.rfilename: s for s in api.model_info("acme/llama-ft", files_metadata=True).siblings or []
    }
    assert siblings["LICENSE"].size == len(LICENSE) and siblings["LICENSE"].lfs is None
    weights = siblings["model.safetensors"]
    assert weights.lfs is not None and weights.lfs.size == len(WEIGHTS)
    assert len(weights.lfs.sha256) == 64
    assert hub.requests[-1].query == "blobs=true"


def test_tree_pagination_follows_absolute_links() -> None:
    files = {f"dir/file{i}.txt": str(i) for i in range(5)} | {"README.md": "# r"}
    with HubDouble(tree_page_size=2) as hub:
        hub.add_model(RepoSpec("acme/many", files=files))
        listed = HfApi(endpoint=hub.url, token=False).list_repo_files("acme/many")
        assert sorted(listed) == sorted(files)
        assert hub.count("acme/many", "tree") == 4  # 7 entries (one directory), 2 per page
        status, headers, body = raw(hub, "GET", "/api/models/acme/many/tree/main?recursive=true")
        assert status == 200 and len(json.loads(body)) == 2
        assert headers["link"].startswith(f"<{hub.url}/api/models/acme/many/tree/main?")
        assert "recursive=true" in headers["link"] and "cursor=" in headers["link"]


def test_tree_of_a_subdirectory_and_of_a_missing_path(hub: HubDouble, api: HfApi) -> None:
    hub.add_model(RepoSpec("acme/t", files={"a/b/c.txt": "c", "a/d.txt": "d", "e.txt": "e"}))
    entries = list(api.list_repo_tree("acme/t", path_in_repo="a"))
    assert [(type(e).__name__, e.path) for e in entries] == [
        ("RepoFolder", "a/b"),
        ("RepoFile", "a/d.txt"),
    ]
    assert hub.requests[-1].path == "/api/models/acme/t/tree/main/a"
    assert [e.path for e in api.list_repo_tree("acme/t", path_in_repo="a/b")] == ["a/b/c.txt"]
    with pytest.raises(EntryNotFoundError):
        list(api.list_repo_tree("acme/t", path_in_repo="nope"))


def test_paths_info_skips_missing_paths(hub: HubDouble, api: HfApi) -> None:
    sha = hub.add_model(model_spec())
    found = api.get_paths_info("acme/llama-ft", ["LICENSE", "NOTICE", "model.safetensors"])
    assert [f.path for f in found] == ["LICENSE", "model.safetensors"]
    assert found[1].lfs is not None  # type: ignore[union-attr]
    body = json.dumps({"paths": ["README.md", "missing"]}).encode()
    status, _, data = raw(
        hub,
        "POST",
        f"/api/models/acme/llama-ft/paths-info/{sha}",
        body,
        {"Content-Type": "application/json"},
    )
    assert status == 200 and [e["path"] for e in json.loads(data)] == ["README.md"]


def test_branches_refs_and_revision_forms(hub: HubDouble, api: HfApi, download: Download) -> None:
    branches = {"feature/x": {"README.md": "---\nlicense: mit\n---\n", "LICENSE": "MIT"}}
    main_sha = hub.add_model(model_spec(branches=branches))
    refs = api.list_repo_refs("acme/llama-ft", include_pull_requests=True)
    assert {b.name: b.target_commit for b in refs.branches}["main"] == main_sha
    assert refs.pull_requests == []
    branch_sha = hub.sha("acme/llama-ft", "feature/x")
    info = api.model_info("acme/llama-ft", revision="feature/x")  # sent as feature%2Fx
    assert info.sha == branch_sha and info.card_data is not None
    assert info.card_data.license == "mit"
    assert Path(download("acme/llama-ft", "LICENSE", revision="feature/x")).read_text() == "MIT"
    assert api.model_info("acme/llama-ft", revision=main_sha[:7]).sha == main_sha
    assert api.model_info("acme/llama-ft", revision="refs/heads/main").sha == main_sha


# -- downloads ------------------------------------------------------------------------------------


def test_resolve_cache_redirect_flow(hub: HubDouble, download: Download) -> None:
    sha = hub.add_model(model_spec())
    path = Path(download("acme/llama-ft", "LICENSE"))
    assert path.read_bytes() == LICENSE and path.parent.name == sha
    flow = [(r.method, r.status, r.path.split("/")[2]) for r in hub.requests]
    assert flow == [
        ("HEAD", 307, "llama-ft"),
        ("HEAD", 200, "resolve-cache"),
        ("GET", 200, "resolve-cache"),
    ]
    assert hub.count(kind="resolve") == 3 and hub.count(kind="head") == 2


def test_files_served_directly_when_resolve_cache_is_off(tmp_path: Path) -> None:
    with HubDouble(resolve_cache_redirect=False) as hub:
        hub.add_model(model_spec())
        path = hf_hub_download(
            "acme/llama-ft", "LICENSE", endpoint=hub.url, cache_dir=tmp_path, token=False
        )
        assert Path(path).read_bytes() == LICENSE
        assert [(r.method, r.status) for r in hub.requests] == [("HEAD", 200), ("GET", 200)]


def test_lfs_file_302_to_cdn_listener_without_token(hub: HubDouble, download: Download) -> None:
    hub.add_model(model_spec())
    path = Path(download("acme/llama-ft", "model.safetensors", token=TOKEN))
    assert path.read_bytes() == WEIGHTS
    assert len(path.resolve().name) == 64  # cached under the sha256 from X-Linked-Etag
    head, get = hub.requests
    assert (head.status, head.listener, head.authorized) == (302, "hub", True)
    assert (get.status, get.listener, get.authorized, get.kind) == (200, "cdn", False, "get")
    assert hub.count("acme/llama-ft", "cdn") == 1
    status, headers, _ = raw(hub, "HEAD", "/acme/llama-ft/resolve/main/model.safetensors")
    assert status == 302 and headers["location"].startswith(hub.cdn_url)
    assert headers["x-linked-size"] == str(len(WEIGHTS)) and "x-repo-commit" in headers
    hub.add_fault(Fault(status=500, times=1, scope="cdn"))
    with pytest.raises(HfHubHTTPError) as cdn_error:
        download("acme/llama-ft", "model.safetensors", force_download=True)
    assert cdn_error.value.response.status_code == 500


def test_pinned_download_by_sha_is_served_from_cache(hub: HubDouble, download: Download) -> None:
    sha = hub.add_model(model_spec())
    first = download("acme/llama-ft", "LICENSE", revision=sha)
    hub.reset_log()
    assert download("acme/llama-ft", "LICENSE", revision=sha) == first
    assert hub.requests == []


def test_range_requests_and_keep_alive(hub: HubDouble) -> None:
    sha = hub.add_model(RepoSpec("acme/r", files={"a.txt": "0123456789"}))
    parts = urlsplit(hub.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    path = f"/api/resolve-cache/models/acme/r/{sha}/a.txt"
    status, headers, body = raw(hub, "GET", path, headers={"Range": "bytes=3-"}, conn=conn)
    assert (status, body, headers["content-range"]) == (206, b"3456789", "bytes 3-9/10")
    status, headers, body = raw(hub, "HEAD", path, conn=conn)
    assert (status, headers["content-length"], body) == (200, "10", b"")
    status, headers, _ = raw(hub, "GET", path, headers={"Range": "bytes=50-"}, conn=conn)
    assert status == 416 and headers["content-range"] == "bytes */10"
    status, headers, body = raw(hub, "GET", "/api/models/acme/none", conn=conn)
    assert status == 401 and headers["content-length"] == str(len(body))
    conn.close()
    assert hub.requests[0].range == "bytes=3-"


def test_snapshot_download_and_model_card_load(hub: HubDouble, tmp_path: Path) -> None:
    sha = hub.add_model(model_spec())
    folder = snapshot_download(
        "acme/llama-ft", endpoint=hub.url, cache_dir=tmp_path / "snap", token=False
    )
    assert Path(folder).name == sha
    assert sorted(p.name for p in Path(folder).iterdir()) == [
        "LICENSE",
        "README.md",
        "model.safetensors",
    ]
    with client_env(hub, cache_dir=tmp_path / "card"):
        card = ModelCard.load("acme/llama-ft", ignore_metadata_errors=True)
    assert card.data.license == "apache-2.0"


# -- access control and errors --------------------------------------------------------------------


def test_gated_repo(hub: HubDouble, api: HfApi, download: Download) -> None:
    hub.add_model(
        model_spec(gated="manual", approved_tokens=["hf_approved"], gate_exempt=["README.md"])
    )
    info = api.model_info("acme/llama-ft")
    assert info.gated == "manual" and info.card_data is not None
    assert "LICENSE" in api.list_repo_files("acme/llama-ft")
    assert [p.path for p in api.get_paths_info("acme/llama-ft", ["LICENSE"])] == ["LICENSE"]
    with pytest.raises(GatedRepoError) as anonymous:
        download("acme/llama-ft", "LICENSE")
    assert anonymous.value.response.status_code == 401
    with pytest.raises(GatedRepoError) as unapproved:
        download("acme/llama-ft", "LICENSE", token="hf_someone_else")
    assert unapproved.value.response.status_code == 403
    assert Path(download("acme/llama-ft", "LICENSE", token="hf_approved")).read_bytes() == LICENSE
    assert Path(download("acme/llama-ft", "README.md")).read_text() == README
    assert hub.count(kind="get", repo_id="acme/llama-ft") == 2  # gated files are served directly


def test_private_and_missing_repos(hub: HubDouble, api: HfApi) -> None:
    hub.add_model(model_spec("acme/secret", private=True, approved_tokens=["hf_owner"]))
    for repo_id in ("acme/secret", "acme/missing"):
        with pytest.raises(RepositoryNotFoundError) as anonymous:
            api.model_info(repo_id)
        assert anonymous.value.response.status_code == 401
        assert not isinstance(anonymous.value, GatedRepoError)
        with pytest.raises(RepositoryNotFoundError) as with_token:
            api.model_info(repo_id, token="hf_stranger")
        assert with_token.value.response.status_code == 404
    assert api.model_info("acme/secret", token="hf_owner").private is True
    assert [m.id for m in api.list_models(token="hf_stranger")] == []
    assert [m.id for m in api.list_models(token="hf_owner")] == ["acme/secret"]


def test_missing_file_and_bad_revision(hub: HubDouble, api: HfApi, download: Download) -> None:
    sha = hub.add_model(model_spec())
    with pytest.raises(RemoteEntryNotFoundError) as missing:
        download("acme/llama-ft", "NOTICE")
    assert isinstance(missing.value, EntryNotFoundError)
    assert missing.value.response.headers["X-Repo-Commit"] == sha
    assert api.file_exists("acme/llama-ft", "NOTICE") is False
    assert api.file_exists("acme/llama-ft", "LICENSE") is True
    with pytest.raises(RevisionNotFoundError):
        api.model_info("acme/llama-ft", revision="v9")
    with pytest.raises(RevisionNotFoundError):
        download("acme/llama-ft", "LICENSE", revision="0" * 40)


def test_disabled_repo(hub: HubDouble, api: HfApi, download: Download) -> None:
    hub.add_model(model_spec(disabled=True))
    with pytest.raises(DisabledRepoError):
        api.model_info("acme/llama-ft")
    with pytest.raises(LocalEntryNotFoundError) as wrapped:  # hf_hub_download wraps a 403
        download("acme/llama-ft", "LICENSE")
    assert isinstance(wrapped.value.__cause__, DisabledRepoError)


def test_renamed_and_namespace_less_repos(hub: HubDouble, api: HfApi, download: Download) -> None:
    hub.add_model(model_spec("openai-community/gpt2"))
    hub.add_model(RepoSpec("gpt2", renamed_to="openai-community/gpt2"))
    assert api.model_info("gpt2").id == "openai-community/gpt2"
    assert Path(download("gpt2", "LICENSE")).read_bytes() == LICENSE
    assert [r.status for r in hub.requests[:2]] == [307, 200]
    hub.add_model(model_spec("bert"))
    assert api.model_info("bert").sha == hub.sha("bert")
    assert Path(download("bert", "LICENSE")).read_bytes() == LICENSE


# -- faults ---------------------------------------------------------------------------------------


def test_server_error_fault(hub: HubDouble, api: HfApi) -> None:
    hub.add_model(model_spec())
    hub.add_fault(Fault(repo_id="acme/llama-ft", status=500, times=1, scope="info"))
    with pytest.raises(HfHubHTTPError) as error:
        api.model_info("acme/llama-ft")
    assert error.value.response.status_code == 500
    assert not isinstance(error.value, RepositoryNotFoundError)
    assert api.model_info("acme/llama-ft").id == "acme/llama-ft"
    hub.add_fault(Fault(status=503))  # global, forever
    for _ in range(2):
        with pytest.raises(HfHubHTTPError):
            api.model_info("acme/llama-ft")
    assert hub.count(status=503) == 2


def test_rate_limit_then_success(hub: HubDouble, api: HfApi, download: Download) -> None:
    hub.add_model(model_spec())
    hub.add_fault(Fault(repo_id="acme/llama-ft", status=429, times=1, retry_after=0, scope="tree"))
    started = time.monotonic()
    assert "LICENSE" in api.list_repo_files("acme/llama-ft")  # http_backoff sleeps t+1 = 1 s
    assert time.monotonic() - started < 3
    assert [r.status for r in hub.requests] == [429, 200]
    hub.add_fault(Fault(repo_id="acme/llama-ft", status=429, times=1, scope="head"))
    assert Path(download("acme/llama-ft", "LICENSE")).read_bytes() == LICENSE


def test_rate_limit_headers(hub: HubDouble) -> None:
    hub.add_fault(Fault(status=429, retry_after=7, scope="api"))
    status, headers, body = raw(hub, "GET", "/api/models/acme/x")
    assert status == 429 and headers["retry-after"] == "7"
    assert headers["ratelimit"] == '"api";r=0;t=7' and "ratelimit-policy" in headers
    assert json.loads(body)["error"]
    status, _, _ = raw(hub, "HEAD", "/acme/x/resolve/main/LICENSE")
    assert status == 401  # scope "api" leaves downloads alone


def test_slow_and_dropped_requests(hub: HubDouble, api: HfApi) -> None:
    hub.add_model(model_spec())
    hub.add_fault(Fault(repo_id="acme/llama-ft", delay_s=0.5, times=1))
    with pytest.raises(httpx2.TimeoutException):
        api.model_info("acme/llama-ft", timeout=0.1)
    hub.add_fault(Fault(repo_id="acme/llama-ft", drop_connection=True, times=1))
    with pytest.raises(httpx2.TransportError):
        api.model_info("acme/llama-ft")
    assert api.model_info("acme/llama-ft").id == "acme/llama-ft"


def test_fault_scope_is_validated() -> None:
    with pytest.raises(ValueError, match="scope"):
        Fault(status=500, scope="downloads")
    with pytest.raises(ValueError):
        Fault(repo_id="acme/x")


# -- datasets, listing, card data -----------------------------------------------------------------


def test_datasets(hub: HubDouble, api: HfApi, download: Download) -> None:
    readme = "---\nlicense: cc-by-nc-4.0\nlanguage:\n- en\n---\n# data\n"
    sha = hub.add_dataset(RepoSpec("acme/data", files={"README.md": readme, "x.csv": "a,b\n"}))
    info = api.dataset_info("acme/data")
    assert info.sha == sha and info.card_data is not None
    assert info.card_data.license == "cc-by-nc-4.0"
    assert {"license:cc-by-nc-4.0", "language:en"} <= set(info.tags or [])
    assert sorted(api.list_repo_files("acme/data", repo_type="dataset")) == ["README.md", "x.csv"]
    path = download("acme/data", "x.csv", repo_type="dataset")
    assert Path(path).read_text() == "a,b\n"
    assert hub.requests[-3].path == "/datasets/acme/data/resolve/main/x.csv"
    assert [d.id for d in api.list_datasets()] == ["acme/data"]
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("acme/data")


def test_list_models_filters_and_pages() -> None:
    with HubDouble(list_page_size=2) as hub:
        for name, license_id in [("a", "mit"), ("b", "apache-2.0"), ("c", "mit"), ("d", "mit")]:
            files = {"README.md": f"---\nlicense: {license_id}\n---\n"}
            hub.add_model(RepoSpec(f"acme/{name}", files=files))
        hub.add_model(RepoSpec("other/mit-model", files={"README.md": "---\nlicense: mit\n---\n"}))
        api = HfApi(endpoint=hub.url, token=False)
        mit = list(api.list_models(author="acme", filter="license:mit", cardData=True))
        assert [m.id for m in mit] == ["acme/a", "acme/c", "acme/d"]
        assert all(m.card_data is not None and m.card_data.license == "mit" for m in mit)
        assert hub.count(kind="list") == 2
        assert [m.id for m in api.list_models(search="MIT")] == ["other/mit-model"]
        full = next(iter(api.list_models(search="acme/b", full=True)))
        assert full.sha == hub.sha("acme/b") and full.siblings is not None


@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        (
            "license: mit\nlanguage: no\ndate: 2024-01-01\n",
            {"language": "no", "date": "2024-01-01"},
        ),
        ("version: 017\nflag: yes\nratio: 1e3\n", {"version": 17, "flag": "yes", "ratio": 1000}),
        ("base: &b mit\nlicense: *b\n", None),  # aliases: hostile, dropped
        ("license: [mit\n", None),  # broken YAML
        ("- mit\n- apache-2.0\n", None),  # not a mapping
        ("license: mit\nlicense: gpl-3.0\n", None),  # duplicate key
        ("license: !!python/object:os.system x\n", None),  # custom tag
    ],
)
def test_card_data_parsing(
    hub: HubDouble, api: HfApi, front_matter: str, expected: dict[str, object] | None
) -> None:
    hub.add_model(RepoSpec("acme/card", files={"README.md": f"---\n{front_matter}---\n# x\n"}))
    card = api.model_info("acme/card").card_data
    if expected is None:
        assert card is None
    else:
        assert card is not None and {k: card.get(k) for k in expected} == expected
    assert api.model_info("acme/card").id == "acme/card"  # the server survived


def test_card_data_and_info_overrides(hub: HubDouble, api: HfApi) -> None:
    hub.add_model(
        model_spec(
            card_data={"license": "other", "license_name": "acme-license"},
            info_override={"downloads": 1234, "likes": 5, "pipeline_tag": "text-generation"},
        )
    )
    info = api.model_info("acme/llama-ft")
    assert info.card_data is not None and info.card_data.license == "other"
    assert info.card_data.get("license_name") == "acme-license"
    assert (info.downloads, info.likes, info.pipeline_tag) == (1234, 5, "text-generation")


# -- state changes, logging and tokens ------------------------------------------------------------


def test_sha_changes_with_content_and_old_commits_stay(
    hub: HubDouble, api: HfApi, download: Download
) -> None:
    first = hub.add_model(model_spec())
    assert hub.add_model(model_spec()) == first  # same content, same commit
    second = hub.add_model(
        RepoSpec("acme/llama-ft", files={"README.md": README, "LICENSE": b"changed"})
    )
    assert second != first and api.model_info("acme/llama-ft").sha == second
    assert Path(download("acme/llama-ft", "LICENSE", revision=first)).read_bytes() == LICENSE
    assert Path(download("acme/llama-ft", "LICENSE")).read_bytes() == b"changed"
    assert hub.remove_repo("acme/llama-ft") is True
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("acme/llama-ft")


def test_request_counting_and_reset_log(hub: HubDouble, api: HfApi) -> None:
    hub.add_model(model_spec())
    fault = hub.add_fault(Fault(repo_id="acme/llama-ft", status=500, times=1, scope="refs"))
    api.model_info("acme/llama-ft")
    api.list_repo_files("acme/llama-ft")
    with pytest.raises(HfHubHTTPError):
        api.list_repo_refs("acme/llama-ft")
    assert hub.count("acme/llama-ft") == 3
    assert (hub.count(kind="info"), hub.count(kind="tree"), hub.count(kind="api")) == (1, 1, 3)
    assert hub.count(kind="refs", status=500) == 1 and hub.count(method="get") == 3
    record = hub.requests[0]
    assert (record.kind, record.repo_type, record.authorized) == ("info", "model", False)
    assert "hf_hub/" in (record.user_agent or "") and record.duration_s >= 0
    hub.reset_log()  # also re-arms the fault
    assert hub.requests == []
    with pytest.raises(HfHubHTTPError):
        api.list_repo_refs("acme/llama-ft")
    hub.remove_fault(fault)
    assert api.list_repo_refs("acme/llama-ft").branches


def test_token_is_recorded_but_never_logged(hub: HubDouble, api: HfApi, download: Download) -> None:
    hub.add_model(model_spec())
    api.model_info("acme/llama-ft", token=TOKEN)
    download("acme/llama-ft", "LICENSE", token=TOKEN)
    assert hub.tokens_seen == {TOKEN}
    assert all(r.authorized for r in hub.requests)
    assert TOKEN not in repr(hub.requests)
    hub.reset_log()
    assert hub.tokens_seen == {TOKEN}  # kept apart from the log


def test_implicit_token_from_environment(hub: HubDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.add_model(model_spec(private=True, approved_tokens=[TOKEN]))
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    with client_env(hub, implicit_token=True):
        assert HfApi().model_info("acme/llama-ft").private is True  # token=None: HF_TOKEN sent
    assert hub.requests[-1].authorized and hub.tokens_seen == {TOKEN}


def test_log_entry_exists_when_response_arrives(hub: HubDouble) -> None:
    for expected in range(1, 31):
        raw(hub, "GET", "/api/agent-harnesses")
        assert hub.count(kind="agent") == expected


def test_whoami_agent_and_unknown_routes(hub: HubDouble) -> None:
    status, headers, _ = raw(hub, "GET", "/api/whoami-v2")
    assert status == 401 and "x-error-message" in headers
    status, _, body = raw(
        hub, "GET", "/api/whoami-v2", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 200 and TOKEN.encode() not in body
    status, _, body = raw(hub, "GET", "/api/agent-harnesses")
    assert (status, json.loads(body)) == (200, {"standardEnvVars": [], "harnesses": {}})
    assert raw(hub, "GET", "/nothing/here")[0] == 404
    assert raw(hub, "DELETE", "/api/models/acme/x")[0] == 405
    assert [r.kind for r in hub.requests] == ["other", "other", "agent", "other", "info"]


# -- concurrency, lifecycle, fixtures, standalone -------------------------------------------------


def test_latency_applies_per_request_and_requests_overlap() -> None:
    with HubDouble(latency_ms=250) as hub:
        threads = [
            threading.Thread(target=raw, args=(hub, "GET", "/api/agent-harnesses"))
            for _ in range(4)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        assert 0.25 <= elapsed < 0.75  # 1.0 s if the four were served one after another
        assert all(r.duration_s >= 0.25 for r in hub.requests)


def test_stop_closes_keep_alive_connections() -> None:
    hub = HubDouble().start()
    parts = urlsplit(hub.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    assert raw(hub, "GET", "/api/agent-harnesses", conn=conn)[0] == 200
    hub.stop()
    with pytest.raises((OSError, http.client.HTTPException)):
        conn.request("GET", "/api/agent-harnesses")
        conn.getresponse()
    conn.close()
    with pytest.raises(RuntimeError):
        _ = hub.url


def test_load_tree(tmp_path: Path) -> None:
    repo = tmp_path / "acme" / "gated-model"
    (repo / "sub").mkdir(parents=True)
    (repo / "README.md").write_text("---\nlicense: llama3\n---\n")
    (repo / "sub" / "LICENSE").write_text("Llama 3 license")
    (repo / "_repo.yaml").write_text("gated: auto\napproved_tokens: [hf_ok]\n")
    dataset = tmp_path / "datasets" / "acme" / "corpus"
    dataset.mkdir(parents=True)
    (dataset / "README.md").write_text("---\nlicense: cc0-1.0\n---\n")
    with HubDouble() as hub:
        assert hub.load_tree(tmp_path) == ["acme/gated-model", "datasets/acme/corpus"]
        api = HfApi(endpoint=hub.url, token=False)
        info = api.model_info("acme/gated-model")
        assert info.gated == "auto" and [s.rfilename for s in info.siblings or []] == [
            "README.md",
            "sub/LICENSE",
        ]
        assert api.dataset_info("acme/corpus").card_data is not None


def test_session_fixture_is_reset(hub_session: HubDouble) -> None:
    assert hub_session.requests == [] and hub_session.tokens_seen == set()
    hub_session.add_model(model_spec())
    hub_session.add_fault(Fault(status=500))
    assert raw(hub_session, "GET", "/api/models/acme/llama-ft")[0] == 500


def test_session_fixture_is_reset_again(hub_session: HubDouble) -> None:
    assert raw(hub_session, "GET", "/api/models/acme/llama-ft")[0] == 401  # gone, fault too


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "acme" / "m").mkdir(parents=True)
    (tmp_path / "acme" / "m" / "README.md").write_text("---\nlicense: mit\n---\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.hubdouble", "--root", str(tmp_path), "--latency-ms", "1"],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_standalone_module_prints_url_first(standalone: str) -> None:
    assert standalone.startswith("http://127.0.0.1:")
    info = HfApi(endpoint=standalone, token=False).model_info("acme/m")
    assert info.card_data is not None and info.card_data.license == "mit"
