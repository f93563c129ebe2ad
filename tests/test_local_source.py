from __future__ import annotations

import os
from pathlib import Path

from licscan.model import ModelRef
from licscan.sources.files import select_license_files
from licscan.sources.local import fetch_local


def _ref(path: Path) -> ModelRef:
    return ModelRef(kind="local", target=str(path), path=str(path))


def test_reads_card_and_license_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("---\nlicense: mit\n---\n# m\n")
    (tmp_path / "LICENSE").write_text("Copyright (c) 2026 X\n")
    (tmp_path / "NOTICE.md").write_text("notice\n")
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 64)
    snap = fetch_local(_ref(tmp_path))
    assert snap.card_data == {"license": "mit"}
    assert [f.path for f in snap.files] == ["LICENSE", "NOTICE.md"]
    assert all(f.status == "ok" for f in snap.files)
    assert "model.safetensors" in snap.listing


def test_symlink_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    model = tmp_path / "model"
    model.mkdir()
    os.symlink(secret, model / "LICENSE")
    snap = fetch_local(_ref(model))
    (blob,) = snap.files
    assert blob.status == "outside-root" and blob.data is None


def test_oversize_and_special_files(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_bytes(b"x" * (2 << 20))
    os.mkfifo(tmp_path / "NOTICE")
    snap = fetch_local(_ref(tmp_path))
    by_path = {f.path: f for f in snap.files}
    # over the cap: the head is read and the file marked truncated (reported for review)
    assert by_path["LICENSE"].status == "ok" and by_path["LICENSE"].truncated
    assert by_path["LICENSE"].data == b"x" * (1 << 20)
    assert by_path["NOTICE"].status == "unreadable"


def test_huge_readme_front_matter_still_read(tmp_path: Path) -> None:
    with (tmp_path / "README.md").open("w") as fh:
        fh.write("---\nlicense: llama3.1\n---\n")
        fh.write("x" * (3 << 20))
    snap = fetch_local(_ref(tmp_path))
    assert snap.readme is not None and snap.readme.status == "too-large"
    assert snap.card_data == {"license": "llama3.1"}


def test_hf_cache_layout(tmp_path: Path) -> None:
    repo = tmp_path / "models--acme--llama-ft"
    sha = "a" * 40
    (repo / "blobs").mkdir(parents=True)
    (repo / "snapshots" / sha).mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(sha)
    blob = repo / "blobs" / "0123"
    blob.write_text("---\nlicense: llama3.1\n---\n")
    os.symlink("../../blobs/0123", repo / "snapshots" / sha / "README.md")
    snap = fetch_local(_ref(repo))
    assert snap.revision == sha
    assert snap.card_data == {"license": "llama3.1"}
    assert any("acme/llama-ft" in note for note in snap.notes)
    direct = fetch_local(_ref(repo / "snapshots" / sha))
    assert direct.revision == sha and direct.card_data == {"license": "llama3.1"}


def test_broken_card_is_reported(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("---\nlicense: [x\n---\n")
    snap = fetch_local(_ref(tmp_path))
    assert snap.card_data is None
    assert snap.card_problem is not None and "invalid YAML" in snap.card_problem


def test_license_file_selection() -> None:
    listing = ["README.md", "LICENSE.txt", "docs/LICENSE", "USE_POLICY.md", "NOTICE",
               "model_licenses/LICENSE-FLUX1-dev", "config.json", "pytorch_model.bin",
               "LICENSE.bin", "my_license_terms.pdf", "COPYING", "terms/LICENSE.md"]
    chosen = select_license_files(listing, "terms/LICENSE.md")
    assert chosen[0] == "terms/LICENSE.md"
    # a PDF is read too: identification cannot read it, so the model goes to review; a
    # LICENSE stem wins over a weight-looking extension (issue 12, #15: LICENSE.MODEL)
    assert set(chosen) == {"terms/LICENSE.md", "LICENSE.txt", "docs/LICENSE", "USE_POLICY.md",
                           "NOTICE", "model_licenses/LICENSE-FLUX1-dev", "COPYING",
                           "my_license_terms.pdf", "LICENSE.bin"}
    assert select_license_files(["LICENSE"], "../../etc/passwd") == ["LICENSE"]
    assert select_license_files(["LICENSE"], "https://example.com/LICENSE") == ["LICENSE"]
