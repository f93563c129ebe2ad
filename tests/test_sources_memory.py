"""The Source interface: the in-memory source, the routing by kind, the local source."""

from __future__ import annotations

from pathlib import Path

import pytest

from licscan.errors import SourceError
from licscan.model import ModelRef, Snapshot
from licscan.scan import Scanner, ScanOptions
from licscan.sources.base import KindSource, LocalSource, Source, ref_key
from licscan.sources.hub import HubSource
from licscan.sources.memory import MemorySource, hub_ref, hub_snapshot


def test_the_memory_source_returns_its_snapshot_for_the_ref_asked() -> None:
    source = MemorySource([hub_snapshot("acme/base", {"license": "mit"}, {"LICENSE": b"x"})])
    asked = ModelRef(kind="hub", target="https://huggingface.co/acme/base",
                     repo_id="acme/base")
    snapshot = source.fetch(asked)
    assert snapshot.ref is asked  # the result names the model as the user did
    assert snapshot.card_data == {"license": "mit"}
    assert [f.path for f in snapshot.files] == ["LICENSE"]
    assert snapshot.revision is not None and len(snapshot.revision) == 40
    assert source.count(hub_ref("acme/base")) == 1


def test_anything_else_is_not_found_and_counted() -> None:
    source = MemorySource([hub_snapshot("acme/model", {"license": "mit"})])
    for ref in (hub_ref("acme/other"), hub_ref("acme/model", repo_type="dataset"),
                hub_ref("acme/model", revision="v2")):
        with pytest.raises(SourceError) as raised:
            source.fetch(ref)
        assert raised.value.kind == "not-found"
        assert source.count(ref) == 1
    assert source.count(hub_ref("acme/model")) == 0


def test_fail_makes_a_ref_raise_the_given_error() -> None:
    source = MemorySource([hub_snapshot("acme/model", {"license": "mit"})])
    source.fail(hub_ref("acme/model"), SourceError("gated", "accept the terms first"))
    with pytest.raises(SourceError, match="accept the terms first"):
        source.fetch(hub_ref("acme/model"))


def test_ref_keys_name_one_repository_at_one_revision() -> None:
    by_id = hub_ref("acme/m")
    typed = ModelRef(kind="hub", target="hf.co/acme/m", repo_id="acme/m")
    assert ref_key(by_id) == ref_key(typed) == ("model", "acme/m", None)
    assert ref_key(hub_ref("acme/m", "main")) != ref_key(by_id)
    assert ref_key(hub_ref("acme/m", repo_type="dataset")) != ref_key(by_id)
    one = ModelRef(kind="ollama", target="ollama:llama3:8b", path="/a")
    other = ModelRef(kind="ollama", target="ollama:llama3:8b", path="/b")
    assert ref_key(one) != ref_key(other)  # one name in two stores: two models
    assert ref_key(ModelRef(kind="local", target="./m", path="/abs/m")) == \
        ("local", "/abs/m", None)


def test_the_kind_source_sends_hub_refs_to_the_hub_and_the_rest_to_disk(
        tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# model\n")
    made: list[Source] = []

    def hub() -> Source:
        made.append(MemorySource([hub_snapshot("acme/m", {"license": "apache-2.0"})]))
        return made[-1]

    source = KindSource(hub, LocalSource())
    local = source.fetch(ModelRef(kind="local", target=str(folder), path=str(folder)))
    assert local.source == "local" and local.card_data == {"license": "mit"}
    assert made == []  # no Hub client for a scan of folders
    assert source.fetch(hub_ref("acme/m")).card_data == {"license": "apache-2.0"}


def test_the_local_source_refuses_an_unknown_kind() -> None:
    with pytest.raises(SourceError) as raised:
        LocalSource().fetch(ModelRef(kind="tarball", target="x.tar"))
    assert raised.value.kind == "internal"


def test_the_scanners_default_source_reads_folders_and_makes_no_hub_client(
        tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# model\n")
    scanner = Scanner(ScanOptions(jobs=1, offline=True, lineage=False, datasets=False))
    assert isinstance(scanner.source, KindSource)
    model, = scanner.scan([ModelRef(kind="local", target=str(folder), path=str(folder))]).models
    assert model.status == "ok" and model.license is not None
    assert model.license.expression == "Apache-2.0"
    assert scanner._hub is None
    assert isinstance(scanner.hub(), HubSource)


def test_sources_satisfy_the_protocol() -> None:
    def fetch_with(source: Source, ref: ModelRef) -> Snapshot:
        return source.fetch(ref)

    memory = MemorySource([hub_snapshot("acme/m", {"license": "mit"})])
    assert fetch_with(memory, hub_ref("acme/m")).card_data == {"license": "mit"}
    assert fetch_with(KindSource(lambda: memory, LocalSource()),
                      hub_ref("acme/m")).card_data == {"license": "mit"}
