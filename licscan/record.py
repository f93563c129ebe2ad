"""The shared methods of the frozen dataclasses between the pipeline stages, and freezing of
JSON-like values. Kept apart from licscan.model so that a stage needing one record type (the
rule pack's Flags) does not import the whole data model."""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from types import MappingProxyType
from typing import Any

EMPTY: Mapping[str, Any] = MappingProxyType({})


class Record:
    """The `__eq__`, `__hash__` and `__repr__` of the frozen dataclasses between the stages,
    written once: each is declared `@dataclass(frozen=True, eq=False, repr=False)` over this
    class and behaves as if @dataclass had generated them (equal when of the same class with
    equal compared fields; the hash of the hashed fields; `Name(field=value, ...)`, `...` for
    a recursive value). Generating them costs a compile per class: a third of this module's
    import, which every `licscan check` pays (tests/test_records.py holds them to @dataclass's)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = _shape(self.__class__).compared
        return compared(self) == compared(other)

    def __hash__(self) -> int:
        return hash(_shape(self.__class__).hashed(self))

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}"
                          for name in _shape(self.__class__).shown)
        return f"{self.__class__.__qualname__}({shown})"


class _Shape:
    """A Record class's fields as its three methods read them."""

    __slots__ = ("compared", "hashed", "shown")

    def __init__(self, cls: type) -> None:
        fields = dataclasses.fields(cls)
        self.compared = _values(f.name for f in fields if f.compare)
        self.hashed = _values(f.name for f in fields
                              if (f.compare if f.hash is None else f.hash))
        self.shown = tuple(f.name for f in fields if f.repr)


_SHAPES: dict[type, _Shape] = {}


def _shape(cls: type) -> _Shape:
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = _Shape(cls)
    return shape


def _values(names: Iterable[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving these attributes of an object as a tuple (attrgetter gives a single
    one bare, and none is an error)."""
    wanted = tuple(names)
    if len(wanted) > 1:
        return attrgetter(*wanted)
    return lambda obj: tuple(getattr(obj, name) for name in wanted)


def freeze(value: Any) -> Any:
    """JSON-like data made immutable: mappings read-only, lists tuples (`thaw` undoes it)."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """Frozen data back as dicts and lists (for JSON and for code that expects a card's lists)."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value
