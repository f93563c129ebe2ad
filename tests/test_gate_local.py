"""Local folders cannot steer the scan outside the model (issue 12: "Terminal and summary
text" for refs/main and deep trees). A crafted HF-cache `refs/main` is neither followed nor
printed raw; a tree deeper than the walk's depth limit is an incomplete-scan finding, not an
internal error; symlinks leaving the model folder are never followed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from licscan.sources import local as local_mod
from tests.test_gate_common import CARD_APACHE, codes, scan, write_tree

SHA = "0123456789abcdef0123456789abcdef01234567"


def _cache_repo(root: Path, ref: bytes) -> Path:
    repo = root / "models--acme--m"
    write_tree(repo / "snapshots" / SHA, {"README.md": CARD_APACHE})
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_bytes(ref)
    return repo


@pytest.mark.parametrize("ref", [b"../../../../etc", b"../" * 20 + b"tmp",
                                 b"\x1b]52;c;ZXZpbA==\x07" + SHA.encode(),
                                 b"\x1b[31mred\x1b[0m", b"main\n\x1b[2J", b"\0" * 4])
def test_a_crafted_refs_main_is_an_error_escaped(tmp_path: Path, ref: bytes) -> None:
    outside = tmp_path / "etc"
    write_tree(outside, {"README.md": "---\nlicense: mit\n---\n"})
    repo = _cache_repo(tmp_path / "hf", ref)
    for fmt in ("json", "text"):
        run = scan(tmp_path, str(repo), extra=("--format", fmt)) if fmt == "json" else None
        if run is None:
            continue
        (model,) = run.models
        assert model["status"] == "error" and model["error"]["kind"] == "invalid"
        assert "\x1b" not in model["error"]["message"] and "\x07" not in model["error"]["message"]
        assert model.get("revision") in (None, "")


def test_refs_main_is_printed_escaped_on_the_terminal(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from licscan.cli import cli

    repo = _cache_repo(tmp_path / "hf", b"\x1b]52;c;ZXZpbA==\x07")
    result = CliRunner().invoke(cli, ["scan", str(repo), "--no-config"],
                                env={"LICSCAN_CACHE_DIR": str(tmp_path / "c")})
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_a_valid_refs_main_is_followed(tmp_path: Path) -> None:
    repo = _cache_repo(tmp_path / "hf", SHA.encode() + b"\n")
    (model,) = scan(tmp_path, str(repo)).models
    assert model["status"] == "ok" and model["revision"] == SHA


def test_snapshot_folder_names_that_are_not_shas_are_ignored(tmp_path: Path) -> None:
    repo = tmp_path / "hf" / "models--acme--m"
    write_tree(repo / "snapshots" / "\x1b[31mzz", {"README.md": CARD_APACHE})
    (model,) = scan(tmp_path, str(repo)).models
    assert model["status"] == "error" and "\x1b" not in str(model)


def test_a_very_deep_tree_is_a_finding_not_a_crash(tmp_path: Path, corpus: Path) -> None:
    model = write_tree(tmp_path / "m", {"README.md": CARD_APACHE,
                                        "LICENSE": (corpus / "apache-2.0.txt").read_bytes()})
    fd = os.open(model, os.O_RDONLY)
    for _ in range(1_200):  # one level at a time, relative to the folder above
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    out = os.open("LICENSE", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(out, (corpus / "cc-by-nc-4.0.txt").read_bytes())
    os.close(out)
    os.close(fd)
    try:
        (found,) = scan(tmp_path, str(model)).models
    finally:
        _remove_chain(model, 1_200)
    assert found["status"] == "ok", found.get("error")
    assert found["verdict"] != "allow"
    (cut,) = [f for f in found["findings"] if f["code"] == "scan-incomplete"]
    assert f"more than {local_mod.MAX_DEPTH} levels" in cut["message"]


def _remove_chain(top: Path, depth: int) -> None:
    """Remove the d/d/d... chain bottom-up without recursion (rmtree would recurse)."""
    fds = [os.open(top, os.O_RDONLY)]
    for _ in range(depth):
        fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
    os.unlink("LICENSE", dir_fd=fds[-1])
    for parent in reversed(fds[:-1]):
        os.close(fds.pop())
        os.rmdir("d", dir_fd=parent)
    os.close(fds.pop())


def test_symlinks_out_of_the_model_are_not_followed(tmp_path: Path, corpus: Path) -> None:
    outside = write_tree(tmp_path / "outside", {
        "LICENSE": (corpus / "apache-2.0.txt").read_bytes(),
        "sub/LICENSE.md": (corpus / "apache-2.0.txt").read_bytes()})
    model = write_tree(tmp_path / "m", {"README.md": CARD_APACHE})
    (model / "LICENSE").symlink_to(outside / "LICENSE")
    (model / "linked").symlink_to(outside / "sub", target_is_directory=True)
    (model / "LICENSES").symlink_to(outside, target_is_directory=True)
    (found,) = scan(tmp_path, str(model)).models
    assert "license-file-unreadable" in codes(found)
    assert found["verdict"] != "allow"
    paths = {e.get("path") for f in found["findings"] for e in f.get("evidence", [])}
    assert not any(p and (p.startswith("linked/") or p.startswith("LICENSES/")) for p in paths)
