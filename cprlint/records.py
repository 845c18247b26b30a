"""Record classes: what cprlint's value types need of a dataclass, without
a dataclass's start-up cost.

``@dataclass`` writes each class's ``__init__``, ``__repr__`` and ``__eq__``
as source and compiles it when the module is imported: 150-600 us a class
on Python 3.10-3.13, about 28 ms for the ~70 classes a one-patch
``cprlint check`` loads (a quarter of its run, more than half of what
checkpatch.pl takes in all), plus importing ``dataclasses`` and
``inspect``.  A record class writes its ``__init__`` by hand (compiled
once, into the .pyc, like any other function); its fields are the
parameters of that ``__init__``, in order, and this module gives what the
dataclass gave from them:

  * ``repr()`` as a dataclass prints it: ``Name(a=1, b='x')``;
  * ``==`` field by field between objects of the very same class (a
    ``Record`` is then unhashable, as a dataclass with ``eq`` is);
  * ``FrozenRecord``: hashable on its fields, and an assignment to one
    raises AttributeError (its ``__init__`` sets them with
    ``object.__setattr__``, as a frozen dataclass's does);
  * ``field_names(cls)`` and ``replace(obj, **changes)``, as
    ``dataclasses.fields`` and ``dataclasses.replace``.
"""

from __future__ import annotations


class Record:
    """A value type whose fields are the parameters of its ``__init__``."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            return                     # FrozenRecord itself
        code = cls.__init__.__code__
        cls._fields = code.co_varnames[1:code.co_argcount + code.co_kwonlyargcount]

    def _values(self) -> tuple:
        return tuple([getattr(self, name) for name in self._fields])

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]


class FrozenRecord(Record):
    """A record that is not changed after ``__init__``: hashable on its fields."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"cannot assign to {name!r}: {type(self).__qualname__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete {name!r}: {type(self).__qualname__} is frozen")

    def __reduce__(self):
        return type(self), self._values()     # (pickle's default would assign)


def field_names(cls: type[Record]) -> tuple[str, ...]:
    """The fields of a record class, in ``__init__`` order."""
    return cls._fields


def replace(obj: Record, **changes):
    """A copy of ``obj`` with ``changes`` (field name -> value)."""
    unknown = set(changes) - set(obj._fields)
    if unknown:
        raise TypeError(f"{type(obj).__qualname__} has no field {sorted(unknown)[0]!r}")
    values = {name: getattr(obj, name) for name in obj._fields}
    values.update(changes)
    return type(obj)(**values)


def shallow_copy(obj):
    """``copy.copy(obj)`` for a record (importing copy, which brings weakref,
    costs ~0.7 ms of a check's start-up): a new object of its class with
    the same attributes."""
    cls = type(obj)
    state = getattr(obj, "__dict__", None)
    if not isinstance(obj, Record) or state is None or hasattr(cls, "__copy__") \
            or cls.__reduce_ex__ is not object.__reduce_ex__ \
            or cls.__reduce__ is not object.__reduce__ \
            or any(c.__dict__.get("__slots__") for c in cls.__mro__[:-1]):
        import copy

        return copy.copy(obj)
    new = object.__new__(cls)
    new.__dict__.update(state)
    return new
