"""safeyaml's libyaml path decides only what the pure-Python bounded loader decides the same way:
the same data and line numbers where both load, and the bounded loader's own refusal and
message otherwise."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licscan import safeyaml

pytestmark = pytest.mark.skipif(safeyaml._CParser is None, reason="PyYAML without libyaml")

_BITS = ["a", "b: ", "- ", "\n", "  ", "[", "]", "{", "}", ", ", ": ", "&x ", "*x", "!!str ",
         "!!python/object:os.system ", "'", '"', "#", "---\n", "...\n", "? ", "|\n", ">\n",
         "2024-01-01", "1e3", "~", "yes", "\t", "%YAML 1.1\n", "<<: ", "\ufeff"]
soup = st.lists(st.sampled_from(_BITS) | st.text(max_size=3), max_size=30).map("".join)
_KEYS = st.sampled_from(["license", "id", "models", "a b", "ü", "2024-01-01", "no", "1"])
values: st.SearchStrategy[Any] = st.deferred(
    lambda: st.none() | st.booleans() | st.integers(-(2**40), 2**40) | _KEYS | st.text(max_size=6)
    | st.lists(values, max_size=3) | st.dictionaries(_KEYS, values, max_size=3))
dumped = values.map(lambda v: yaml.safe_dump(v, default_flow_style=None, allow_unicode=True))
FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _lines(node: Any) -> list[tuple[str, int | None]]:
    """Every node's kind and line as callers read them (`line_of`), in document order."""
    out, todo = [], [node]
    while todo:
        item = todo.pop()
        if item is None:
            continue
        out.append((type(item).__name__, safeyaml.line_of(item)))
        if isinstance(item, yaml.MappingNode):
            todo.extend(n for pair in reversed(item.value) for n in reversed(pair))
        elif isinstance(item, yaml.SequenceNode):
            todo.extend(reversed(item.value))
    return out


def _outcome(compose: Any, text: str) -> tuple[str, Any, Any]:
    try:
        data, node = compose(text)
    except safeyaml.YamlProblem as exc:
        return "refused", exc.message, exc.line
    return "loaded", data, _lines(node)


@FAST
@given(soup | dumped)
def test_same_outcome_as_the_pure_python_loader(text: str) -> None:
    assert _outcome(safeyaml.compose, text) == _outcome(safeyaml._compose_python, text)


def test_a_manifest_is_loaded_by_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "models:\n" + "".join(f"  - id: org{i}/m\n    revision: main\n" for i in range(50))

    def refused(_text: str) -> None:
        raise AssertionError("the pure-Python loader was asked")

    monkeypatch.setattr(safeyaml, "_compose_python", refused)
    data, node = safeyaml.compose(text)
    assert data["models"][49] == {"id": "org49/m", "revision": "main"}
    models = safeyaml.mapping_value_node(node, "models")
    assert [safeyaml.line_of(n) for n in safeyaml.sequence_item_nodes(models)][:2] == [2, 4]


def _nested(levels: int) -> str:
    return "[" * (levels - 1) + "x" + "]" * (levels - 1)


@pytest.mark.parametrize(("text", "message", "line"), [
    ("a: &x 1\nb: *x\n", "YAML anchors are not accepted", 1),
    ("a: 1\nb: *x\n", "YAML aliases are not accepted", 2),
    ("a:\n  b: !!str &k v\n", "YAML anchors are not accepted", 2),
    (_nested(safeyaml.MAX_DEPTH + 1), f"YAML is nested deeper than {safeyaml.MAX_DEPTH} levels",
     1),
    ("- " * (safeyaml.MAX_DEPTH + 1) + "x\n",
     f"YAML is nested deeper than {safeyaml.MAX_DEPTH} levels", 1),
    ("[" + ", ".join(["1"] * safeyaml.MAX_NODES) + "]",
     f"YAML has more than {safeyaml.MAX_NODES} nodes", 1),
    ("a: 1\n---\nb: *x\n", "invalid YAML: but found another document", 2),
])
def test_refusals_are_the_bounded_loaders(text: str, message: str, line: int) -> None:
    with pytest.raises(safeyaml.YamlProblem) as caught:
        safeyaml.compose(text)
    assert (caught.value.message, caught.value.line) == (message, line)
    assert _outcome(safeyaml._compose_python, text) == ("refused", message, line)


def test_bounds_are_inclusive_on_the_fast_path() -> None:
    assert safeyaml._within_bounds(_nested(safeyaml.MAX_DEPTH))
    assert not safeyaml._within_bounds(_nested(safeyaml.MAX_DEPTH + 1))
    assert safeyaml._within_bounds("[" + ", ".join(["1"] * (safeyaml.MAX_NODES - 1)) + "]")
    assert not safeyaml._within_bounds("[" + ", ".join(["1"] * safeyaml.MAX_NODES) + "]")
    assert safeyaml.load(_nested(safeyaml.MAX_DEPTH)) is not None


def test_a_bomb_is_refused_before_anything_is_composed(monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = zip("abcdefgh", "bcdefghi", strict=True)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in pairs)
    composed: list[str] = []
    monkeypatch.setattr(safeyaml._FastLoader, "get_single_node",
                        lambda self: composed.append("x"))
    with pytest.raises(safeyaml.YamlProblem, match="anchors"):
        safeyaml.compose(bomb)
    assert composed == []


def test_without_libyaml_the_pure_python_loader_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safeyaml, "_CParser", None)
    assert safeyaml.load("when: 2024-01-01\n") == {"when": "2024-01-01"}
    with pytest.raises(safeyaml.YamlProblem, match="aliases"):
        safeyaml.load("a: *x\n")
