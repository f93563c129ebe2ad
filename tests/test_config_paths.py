"""Paths in licscan.yaml that cannot be resolved are configuration errors, not crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from licscan.config import load_config
from licscan.errors import ConfigError


@pytest.mark.parametrize("key", ["manifest", "lockfile"])
def test_a_nul_byte_in_a_path_is_a_config_error(tmp_path: Path, key: str) -> None:
    (tmp_path / "licscan.yaml").write_text(f'{key}: "models\\0.yaml"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "licscan.yaml")
    assert "not a usable path" in str(caught.value)
