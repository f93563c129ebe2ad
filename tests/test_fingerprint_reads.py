"""The fingerprint binary is read in parts (the header on load, the sketches and each text's
chunks when needed): a binary cut short or gone after loading is refused with a clear error
when the missing part is read, never read as fewer texts."""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from licscan.identify.index import FingerprintError, build_index

REPO = Path(__file__).resolve().parent.parent


def _index(tmp_path: Path):  # type: ignore[no-untyped-def]
    shutil.copy(REPO / "rules" / "fingerprints.bin", tmp_path / "fingerprints.bin")
    facts = json.loads((REPO / "rules" / "fingerprints.json").read_text())
    return build_index(facts, (str(tmp_path),))


def test_a_binary_cut_short_after_loading_is_refused_when_read(tmp_path: Path) -> None:
    index = _index(tmp_path)
    path = tmp_path / "fingerprints.bin"
    data = path.read_bytes()
    (length,) = struct.unpack_from("<I", data, 6)
    meta = json.loads(zlib.decompress(data[10:10 + length]))
    path.write_bytes(data[:10 + length + meta["sketch"] + 100])
    with pytest.raises(FingerprintError, match="cut short"):
        for text in index.texts:
            text.sentence_hashes  # noqa: B018


def test_a_binary_gone_after_loading_is_refused_when_read(tmp_path: Path) -> None:
    index = _index(tmp_path)
    (tmp_path / "fingerprints.bin").unlink()
    with pytest.raises(FingerprintError, match="cannot read"):
        index.texts[0].sketch  # noqa: B018

