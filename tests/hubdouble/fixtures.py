"""pytest fixtures and client wiring for the Hub double.

In a conftest:  `from tests.hubdouble.fixtures import hub, hub_session, hub_session_server`
(all three names; `hub_session` depends on `hub_session_server`), or, in the root conftest,
`pytest_plugins = ["tests.hubdouble.fixtures"]`.

Nothing here imports `huggingface_hub` at module level, so calling `prepare_client_environment`
from a conftest still happens before the client reads `HF_ENDPOINT`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .server import HubDouble

_CLIENT_ENV = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
_TOKEN_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE", "HUGGINGFACE_CO_STAGING")


def prepare_client_environment(hf_home: str | Path, endpoint: str | None = None) -> bool:
    """Set the environment the client must see *before* `huggingface_hub` is imported: an
    isolated HF_HOME, no telemetry/agent call, no progress bars, no proxy for loopback, no
    token. Returns False if `huggingface_hub.constants` was already imported (too late for
    HF_ENDPOINT and HF_HOME; use `client_env` and explicit `cache_dir=`/`token=` then)."""
    os.environ["HF_HOME"] = str(hf_home)
    os.environ.update(_CLIENT_ENV)
    for name in _TOKEN_VARS:
        os.environ.pop(name, None)
    if endpoint is not None:
        os.environ["HF_ENDPOINT"] = endpoint
    return "huggingface_hub.constants" not in sys.modules


@contextmanager
def client_env(
    hub: HubDouble | str,
    cache_dir: str | Path | None = None,
    *,
    implicit_token: bool | None = None,
) -> Iterator[str]:
    """Point an already-imported `huggingface_hub` at the double (research doc §3.2): patches
    `constants.ENDPOINT` and `HUGGINGFACE_CO_URL_TEMPLATE` (and `HF_HUB_CACHE` if given) and
    restores them on exit. Needed for `ModelCard.load`, which has no `endpoint=`.

    `implicit_token=True` lets `token=None` calls send `HF_TOKEN` again: the client binds
    `HF_HUB_DISABLE_IMPLICIT_TOKEN` at import, so changing the env var later has no effect."""
    from huggingface_hub import constants

    url = hub if isinstance(hub, str) else hub.url
    saved = (
        constants.ENDPOINT,
        constants.HUGGINGFACE_CO_URL_TEMPLATE,
        constants.HF_HUB_CACHE,
        constants.HF_HUB_DISABLE_IMPLICIT_TOKEN,
    )
    constants.ENDPOINT = url
    constants.HUGGINGFACE_CO_URL_TEMPLATE = url + "/{repo_id}/resolve/{revision}/{filename}"
    if cache_dir is not None:
        constants.HF_HUB_CACHE = str(cache_dir)
    if implicit_token is not None:
        constants.HF_HUB_DISABLE_IMPLICIT_TOKEN = not implicit_token
    try:
        yield url
    finally:
        (
            constants.ENDPOINT,
            constants.HUGGINGFACE_CO_URL_TEMPLATE,
            constants.HF_HUB_CACHE,
            constants.HF_HUB_DISABLE_IMPLICIT_TOKEN,
        ) = saved


@pytest.fixture
def hub() -> Iterator[HubDouble]:
    """A fresh, started double for one test."""
    with HubDouble() as double:
        yield double


@pytest.fixture(scope="session")
def hub_session_server() -> Iterator[HubDouble]:
    """One double for the whole session (use `hub_session`, which resets it per test)."""
    with HubDouble() as double:
        yield double


@pytest.fixture
def hub_session(hub_session_server: HubDouble) -> HubDouble:
    """The session-wide double, fully reset (repos, faults, log, tokens) before each test."""
    hub_session_server.reset()
    hub_session_server.latency_ms = 0
    return hub_session_server
