"""cardData and tags the way the Hub derives them from a README's front matter."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .yaml12 import json_key, load_yaml12

logger = logging.getLogger(__name__)

#: The front-matter regex documented for the Hub (research doc §4.7).
FRONT_MATTER = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")

JsonDict = dict[str, Any]


def front_matter(readme: bytes) -> str | None:
    """The YAML text between the leading `---` fences, or None when there is none."""
    text = readme.decode("utf-8-sig", errors="replace")
    match = FRONT_MATTER.match(text)
    return match.group(2) if match else None


def parse_card_data(readme: bytes, *, label: str = "README.md") -> JsonDict | None:
    """Parse front matter to JSON-compatible cardData; None if absent, broken or hostile."""
    yaml_text = front_matter(readme)
    if yaml_text is None:
        return None
    try:
        data = load_yaml12(yaml_text)
        if data is None:  # empty front matter
            return None
        if not isinstance(data, dict):
            raise ValueError(f"front matter is a {type(data).__name__}, not a mapping")
        result = to_json(data)
    except Exception as exc:  # hostile input (incl. RecursionError) must never break the server
        logger.warning("hubdouble: dropping cardData of %s: %s", label, str(exc).splitlines()[0])
        return None
    assert isinstance(result, dict)
    return result


def to_json(value: Any) -> Any:
    """Make parsed YAML JSON-compatible the way JSON.stringify would (str keys, NaN/inf -> null)."""
    if isinstance(value, Mapping):
        return {json_key(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ValueError(f"unsupported value of type {type(value).__name__}")


def _as_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def derive_tags(card: Mapping[str, Any] | None, repo_type: str) -> list[str]:
    """Approximate the Hub's repo tags: card tags, library, pipeline, datasets, languages,
    base models, licenses and `region:us`."""
    card = card or {}
    language_prefix = "language:" if repo_type == "dataset" else ""
    tags: list[str] = []
    tags += _as_strings(card.get("tags"))
    tags += _as_strings(card.get("library_name"))
    tags += _as_strings(card.get("pipeline_tag"))
    tags += [f"dataset:{name}" for name in _as_strings(card.get("datasets"))]
    tags += [language_prefix + code for code in _as_strings(card.get("language"))]
    tags += [f"base_model:{name}" for name in _as_strings(card.get("base_model"))]
    tags += [f"license:{name}" for name in _as_strings(card.get("license"))]
    tags.append("region:us")
    return _dedupe(tags)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
