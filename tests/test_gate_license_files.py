"""The gate reads every license text a repository ships, whatever its name or place, and
says so when a cap leaves something unread (issue 12: "License files it never reads",
"Cheap downgrades": padding and the size cap).

The card says apache-2.0; the only other license text is CC-BY-NC-4.0 (read from the shared
corpus at test time). Through the CLI with a commercial context and the default policy, the
model must never be allowed, locally and through the Hub double.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from licscan.sources import files as files_mod
from licscan.sources import local as local_mod
from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_common import CARD_APACHE, codes, expression, scan, write_tree

NAMES = ["Model License Agreement.txt", "LicenseAgreement.txt", "LICENSES/CC-BY-NC-4.0.txt",
         "licenses/weights.md", "TERMS_OF_USE", "docs/Acceptable Use Policy.md",
         "legal/model_license", "Licence.MD", "terms-and-conditions.rst", "EULA"]


def _nc(corpus: Path) -> bytes:
    return (corpus / "cc-by-nc-4.0.txt").read_bytes()


def _apache(corpus: Path) -> bytes:
    return (corpus / "apache-2.0.txt").read_bytes()


def _assert_nc_seen(model: dict[str, Any]) -> None:
    assert model["status"] == "ok", model
    assert model["verdict"] == "deny", (model["verdict"], model.get("verdict_reason"))
    assert "CC-BY-NC-4.0" in expression(model)


@pytest.mark.parametrize("name", NAMES)
def test_nc_text_under_any_license_name_is_read_locally(tmp_path: Path, corpus: Path,
                                                        name: str) -> None:
    model = write_tree(tmp_path / "m", {"README.md": CARD_APACHE, name: _nc(corpus)})
    _assert_nc_seen(scan(tmp_path, str(model)).model())


@pytest.mark.parametrize("name", NAMES[:4])
def test_nc_text_under_any_license_name_is_read_from_the_hub(
        tmp_path: Path, corpus: Path, hub: HubDouble, name: str) -> None:
    hub.add_model(RepoSpec("acme/m", files={"README.md": CARD_APACHE, name: _nc(corpus),
                                            "model.safetensors": b"\0" * 64}))
    _assert_nc_seen(scan(tmp_path, "acme/m", endpoint=hub.url).model())


@pytest.mark.parametrize("name", ["notes.txt", "docs/weights-info.md", "READ_THIS"])
def test_nc_text_found_by_content(tmp_path: Path, corpus: Path, hub: HubDouble,
                                  name: str) -> None:
    """A small text file whose name says nothing is probed for license terms."""
    files: dict[str, str | bytes] = {"README.md": CARD_APACHE, name: _nc(corpus),
                                     "vocab.txt": "a\nb\n"}
    model = write_tree(tmp_path / "m", files)
    _assert_nc_seen(scan(tmp_path, str(model)).model())
    hub.add_model(RepoSpec("acme/m", files=files))
    _assert_nc_seen(scan(tmp_path, "acme/m", endpoint=hub.url).model())


CYRILLIC = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441"})


@pytest.mark.parametrize("where", ["after", "before", "look-alikes"])
def test_a_noisy_text_under_a_plain_name_is_found(tmp_path: Path, corpus: Path,
                                                  hub: HubDouble, where: str) -> None:
    """Found by the property test: padding made notes.txt too big to probe, and look-alike
    letters hid the probe's phrases."""
    pad = b"\n" * (1 << 20)
    data = {"after": _nc(corpus) + pad, "before": pad + _nc(corpus),
            "look-alikes": _nc(corpus).decode().translate(CYRILLIC).encode()}[where]
    files: dict[str, str | bytes] = {"README.md": CARD_APACHE, "notes.txt": data}
    _assert_nc_seen(scan(tmp_path, str(write_tree(tmp_path / "m", files))).model())
    _assert_nc_seen(scan(tmp_path, "acme/m", endpoint=_with(hub, "acme/m", files)).model())


def test_copies_of_apache_do_not_push_the_nc_text_out(tmp_path: Path, corpus: Path,
                                                     hub: HubDouble) -> None:
    """16 Apache copies filled the old cap of 16 before the NC file."""
    files: dict[str, str | bytes] = {f"LICENSE-{i:02d}": _apache(corpus) for i in range(16)}
    files |= {"README.md": CARD_APACHE, "Model License Agreement.txt": _nc(corpus)}
    model = write_tree(tmp_path / "m", files)
    _assert_nc_seen(scan(tmp_path, str(model)).model())
    hub.add_model(RepoSpec("acme/m", files=files))
    _assert_nc_seen(scan(tmp_path, "acme/m", endpoint=hub.url).model())
    # one download per distinct blob: README, one Apache copy (the 16 are one git blob) and
    # the NC file, each a redirect and its answer
    assert hub.count(repo_id="acme/m", kind="get") == 6


def test_more_license_files_than_the_cap_is_reported(tmp_path: Path, corpus: Path,
                                                     hub: HubDouble) -> None:
    n = files_mod.MAX_LICENSE_FILES + 6
    files: dict[str, str | bytes] = {
        f"LICENSE-{i:03d}": _apache(corpus) + f"\n{i}\n".encode() for i in range(n)}
    files |= {"README.md": CARD_APACHE, "LICENSES/CC-BY-NC-4.0.txt": _nc(corpus)}
    for run in (scan(tmp_path, str(write_tree(tmp_path / "m", files))),
                scan(tmp_path, "acme/m", endpoint=_with(hub, "acme/m", files))):
        model = run.model()
        assert model["verdict"] != "allow"
        (cut,) = [f for f in model["findings"] if f["code"] == "scan-incomplete"]
        assert cut["severity"] == "review" and "7 license file(s) not read" in cut["message"]


def _with(hub: HubDouble, repo_id: str, files: dict[str, str | bytes]) -> str:
    hub.add_model(RepoSpec(repo_id, files=files))
    return hub.url


def test_a_folder_with_more_than_20000_entries(tmp_path: Path, corpus: Path) -> None:
    model = write_tree(tmp_path / "m", {"README.md": CARD_APACHE,
                                        "zz/Model License Agreement.txt": _nc(corpus)})
    shards = model / "aa-shards"
    shards.mkdir()
    for i in range(20_001):
        (shards / f"{i:05d}.json").touch()
    _assert_nc_seen(scan(tmp_path, str(model)).model())


def test_the_walk_cap_is_reported(tmp_path: Path, corpus: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_mod, "MAX_WALK_ENTRIES", 50, raising=False)
    model = write_tree(tmp_path / "m", {"README.md": CARD_APACHE, "LICENSE": _apache(corpus),
                                        **{f"a/{i:03d}.txt": "x" for i in range(60)},
                                        "b/LICENSE": _nc(corpus)})
    found = scan(tmp_path, str(model)).model()
    assert found["verdict"] == "review"
    assert any(f["code"] == "scan-incomplete" and "more than 50 entries" in f["message"]
               for f in found["findings"])


# -- padding and the size cap ------------------------------------------------------------


def test_padding_does_not_push_a_text_over_the_cap(tmp_path: Path, corpus: Path,
                                                   hub: HubDouble) -> None:
    padded = _nc(corpus) + b"\n" * (1 << 20) + b" \t\n" * 50_000
    front = b"\n" * (2 << 20) + _nc(corpus)
    files: dict[str, str | bytes] = {"README.md": CARD_APACHE, "LICENSE": padded,
                                     "LICENSE.md": front}
    model = write_tree(tmp_path / "m", files)
    for run in (scan(tmp_path, str(model)),
                scan(tmp_path, "acme/m", endpoint=_with(hub, "acme/m", files))):
        found = run.model()
        _assert_nc_seen(found)
        assert "license-file-unreadable" not in codes(found)


@pytest.mark.parametrize("noise", [b"\0", b"\0\0\n\0", b"\x01\x02"])
def test_a_nul_in_front_of_the_text_is_still_denied(tmp_path: Path, corpus: Path,
                                                    hub: HubDouble, noise: bytes) -> None:
    """It used to make the file "binary", unidentified: review, which passes fail_on deny."""
    files: dict[str, str | bytes] = {"README.md": CARD_APACHE, "LICENSE": noise + _nc(corpus)}
    _assert_nc_seen(scan(tmp_path, str(write_tree(tmp_path / "m", files))).model())
    _assert_nc_seen(scan(tmp_path, "acme/m", endpoint=_with(hub, "acme/m", files)).model())


def test_a_text_beyond_what_is_read_is_reported(tmp_path: Path, corpus: Path) -> None:
    """More padding than licscan reads: the head is identified and the cut reported."""
    model = write_tree(tmp_path / "m", {
        "README.md": CARD_APACHE,
        "LICENSE": _apache(corpus) + b"\n" * (files_mod.MAX_READ_BYTES + 10) + _nc(corpus)})
    found = scan(tmp_path, str(model)).model()
    assert found["verdict"] == "review"
    assert "license-file-truncated" in codes(found)


# -- files found by content whose text licscan does not know ------------------------------

OWN_TERMS = ("ACME MODEL TERMS\n\nThe licensor grants the licensee a non-exclusive right to use "
             "the model for non-commercial research only. The licensee shall not use the model "
             "in any product or service. All rights reserved.\n")
ABOUT = ("# About the weights\n\nThe weights are licensed under the Apache License 2.0. "
         "Copyright 2025 Example Corp. All rights reserved. Contributions are accepted under "
         "the same terms and conditions; see the LICENSE file.\n")


def test_unknown_terms_under_a_plain_name_are_reviewed(tmp_path: Path, corpus: Path) -> None:
    model = write_tree(tmp_path / "m", {"README.md": CARD_APACHE, "conditions.txt": OWN_TERMS,
                                        "LICENSE": _apache(corpus)})
    found = scan(tmp_path, str(model)).model()
    assert found["verdict"] == "review"
    (unknown,) = [f for f in found["findings"] if f["code"] == "license-text-unidentified"]
    assert unknown["severity"] == "review" and "conditions.txt" in unknown["message"]


def test_documentation_about_licensing_does_not_stop_a_model(tmp_path: Path,
                                                             corpus: Path) -> None:
    """The control: a doc that reads like terms but restricts nothing is not a reason to
    review an Apache model."""
    model = write_tree(tmp_path / "m", {"README.md": CARD_APACHE, "docs/about.md": ABOUT,
                                        "LICENSE": _apache(corpus)})
    found = scan(tmp_path, str(model)).model()
    assert found["verdict"] == "allow", found["findings"]
