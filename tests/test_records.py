"""The frozen dataclasses between the stages share one `__eq__`, `__hash__` and `__repr__`
(licscan.record.Record) instead of having @dataclass compile them per class. They must behave
exactly as the generated ones: each class is rebuilt here as a plain `@dataclass(frozen=True)`
with the same fields, and the two are compared on the same values."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from licscan import flags, model, rulepack
from licscan.identify import fingerprint, normalize, reference, result, similarity
from licscan.identify import index as identify_index
from licscan.lock import file as lockfile
from licscan.lock import trust, verify
from licscan.policy import decide
from licscan.policy import model as policy_model

CLASSES = list(dict.fromkeys(  # once each (policy.model also names Decision PolicyDecision)
    cls for module in (model, flags, policy_model, lockfile, trust, verify, decide, rulepack,
                   fingerprint, identify_index, normalize, reference, result, similarity)
    for _name, cls in inspect.getmembers(module, inspect.isclass)
    if cls.__module__ == module.__name__ and dataclasses.is_dataclass(cls)
    and issubclass(cls, model.Record)))


def generated(cls: type) -> type:
    """`cls` as @dataclass(frozen=True) would make it: the same fields, generated methods."""
    spec = [(f.name, Any, dataclasses.field(compare=f.compare, hash=f.hash, repr=f.repr))
            for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, spec, frozen=True)


def values(cls: type, seed: int) -> dict[str, Any]:
    """Hashable values for every field; `seed` varies them (the third field and on stay)."""
    return {f.name: (f"{f.name}-{seed}" if index < 2 else (index, "same"))
            for index, f in enumerate(dataclasses.fields(cls))}


def test_every_record_class_is_covered() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"ModelRef", "ModelResult", "Finding", "ObligationRow", "LeafFacts", "ModelFacts",
            "Decision", "LockEntry", "Problem", "Disagreement", "Outcome", "Flags", "Rule",
            "RulePack", "Normalized", "TextMatch", "TextIdentification", "Similar"} <= names
    assert len(CLASSES) == 56
    for cls in CLASSES:
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen and not params.eq and not params.repr, cls
        assert "__eq__" not in vars(cls) and "__repr__" not in vars(cls), cls


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_eq_hash_and_repr_are_the_generated_ones(cls: type) -> None:
    reference = generated(cls)
    fields = dataclasses.fields(cls)

    def both(seed: int, **changes: Any) -> tuple[Any, Any]:
        given = {**values(cls, seed), **changes}
        ours: Any = object.__new__(cls)  # the fields as given (no __post_init__ coercion)
        for name, value in given.items():
            object.__setattr__(ours, name, value)
        return ours, reference(**given)

    a, ref_a = both(1)
    b, ref_b = both(1)
    c, ref_c = both(2)
    assert repr(a) == repr(ref_a).replace(reference.__qualname__, cls.__qualname__, 1)
    assert (a == b, a == c, a != c) == (ref_a == ref_b, ref_a == ref_c, ref_a != ref_c)
    assert (hash(a) == hash(b)) and hash(a) == hash(ref_a)
    assert a.__eq__(ref_a) is NotImplemented and (a == object()) is False
    for field in fields:  # a field left out of eq or hash changes neither
        other, ref_other = both(1, **{field.name: ("changed",)})
        assert (a == other) == (ref_a == ref_other), field.name
        assert (hash(a) == hash(other)) == (hash(ref_a) == hash(ref_other)), field.name


def test_a_recursive_value_is_shown_as_dots_and_frozen_stays_frozen() -> None:
    node = model.LineageNode("acme/base", None)
    object.__setattr__(node, "parents", (node,))  # a cycle no scan builds, shown safely
    assert repr(node).endswith("parents=(...,))")
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.id = "other"  # type: ignore[misc]
    ref = model.ModelRef(kind="hub", target="a/b", repo_id="a/b")
    assert {ref: 1}[model.ModelRef(kind="hub", target="a/b", repo_id="a/b")] == 1
    assert dataclasses.replace(ref, revision="main") != ref
