"""Test set-up. The environment is fixed here, at import, before anything imports
huggingface_hub: the client reads HF_ENDPOINT, HF_HOME and telemetry settings only once."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

_HOME = tempfile.mkdtemp(prefix="licscan-test-home-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["HF_HOME"] = _HOME
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["XDG_CACHE_HOME"] = os.path.join(_HOME, "xdg-cache")
for _name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT", "HF_HUB_OFFLINE"):
    os.environ.pop(_name, None)

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"

pytest_plugins = ["tests.hubdouble.fixtures"]


def corpus_dir() -> Path:
    """The reference texts; absent outside the workplace, required in CI."""
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            raise RuntimeError(f"reference corpus missing at {CORPUS}")
        pytest.skip(f"needs the reference corpus at {CORPUS} (a folder 'shared/corpus' next to "
                    "the repository, holding the license texts and INDEX.tsv; see README)")
    return CORPUS


@pytest.fixture
def corpus() -> Path:
    return corpus_dir()


@pytest.fixture
def pack():  # type: ignore[no-untyped-def]
    from licscan.rulepack import load_rulepack

    return load_rulepack()


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own licscan cache, so request counts never see an earlier test's."""
    monkeypatch.setenv("LICSCAN_CACHE_DIR", str(tmp_path_factory.mktemp("licscan-cache")))
