"""The one place that knows where packaged data lives.

In a wheel, `rules/` and `templates/` are mapped into `licscan/_data/`; in a source checkout
(editable install, tests) they are read from the top-level folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def _data_dir(name: str) -> Path:
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"licscan data folder {name!r} is missing from the installation")


def rules_dir() -> Path:
    return _data_dir("rules")


def templates_dir() -> Path:
    return _data_dir("templates")


def examples_dir() -> Path:
    return _data_dir("examples")


def schema_path(name: str) -> Path:
    return _PACKAGE / "schemas" / name
