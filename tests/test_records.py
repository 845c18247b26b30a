"""cprlint.records: the dataclass behaviour cprlint's value types rely on."""

import pickle

import pytest

from cprlint.code.model import CallFact, Guard
from cprlint.records import FrozenRecord, Record, field_names, replace


class Point(Record):
    x: int
    y: int
    tags: list[str]

    def __init__(self, x, y=0, tags=None) -> None:
        self.x = x
        self.y = y
        self.tags = [] if tags is None else tags


class Pin(FrozenRecord):
    __slots__ = ("name", "line")

    def __init__(self, name, line=1) -> None:
        _set = object.__setattr__
        _set(self, "name", name)
        _set(self, "line", line)


def test_fields_are_the_init_parameters_in_order():
    assert field_names(Point) == ("x", "y", "tags")
    assert field_names(CallFact)[:3] == ("name", "args", "text")


def test_repr_and_equality_as_a_dataclass_gives_them():
    assert repr(Point(1, tags=["a"])) == "Point(x=1, y=0, tags=['a'])"
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(1, 3)
    assert Point(1) != Pin("a")                   # another class is never equal
    assert Point(1).tags is not Point(1).tags     # a fresh default each time
    with pytest.raises(TypeError):
        hash(Point(1))                            # mutable: unhashable


def test_frozen_records_hash_on_their_fields_and_refuse_assignment():
    assert hash(Pin("a", 2)) == hash(Pin("a", 2))
    assert len({Pin("a"), Pin("a"), Pin("b")}) == 2
    pin = Pin("a")
    with pytest.raises(AttributeError, match="frozen"):
        pin.line = 5
    with pytest.raises(AttributeError, match="frozen"):
        del pin.name
    guard = Guard("if", "x", 3)
    with pytest.raises(AttributeError):
        guard.text = "y"


def test_replace_copies_with_changes_and_refuses_unknown_fields():
    p = Point(1, 2, ["t"])
    q = replace(p, y=5)
    assert (q.x, q.y, q.tags) == (1, 5, ["t"]) and p.y == 2
    assert replace(Pin("a"), line=9) == Pin("a", 9)
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(p, z=1)


def test_records_pickle():
    # as a frozen dataclass does (copy.copy takes the same path)
    g = Guard("if", "ms->state", 7, detail="d")
    assert pickle.loads(pickle.dumps(g)) == g


def test_shallow_copy_is_copy_copy_without_the_copy_module():
    import copy

    from cprlint.records import shallow_copy

    p = Point(1, 2, ["a"])
    p.extra = "set after __init__"          # (not a field: copied all the same)
    q = shallow_copy(p)
    assert q is not p and q == p and type(q) is Point
    assert q.extra == "set after __init__" and q.tags is p.tags      # shallow
    q.x = 5
    assert p.x == 1
    pin = Pin("cpr_state_save", 3)           # slots, no __dict__: copy.copy's way
    assert shallow_copy(pin) == copy.copy(pin) == pin
