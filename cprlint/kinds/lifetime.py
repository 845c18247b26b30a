"""Kind ``lifetime``: what may happen to a pointer after a call released
(freed, consumed) or copied it, on the paths that follow (code/paths.py).

``mode``:
  * ``use_after``: a release call (``release_calls``: ``{name, arg}``, the
    argument index it frees) is followed on some path by a use of the same
    expression before it is assigned again.
  * ``auto_double``: a variable whose declaration carries an attribute
    matching ``attribute`` (``g_autoptr(Error)``: freed again when it goes
    out of scope) is passed bare to a release call, and no later statement
    assigns it (``= NULL``) -- ``g_steal_pointer(&v)`` is the way.
  * ``set_twice``: a call in ``set_calls`` sets an error through its
    argument ``arg`` (``errp``, or ``&err`` of a local ``Error *``), and a
    later statement on the same path passes the same argument to another
    call, which may set it again (``error_setg()`` asserts that it is not
    set) -- except the calls in ``keeps_calls`` (error_append_hint(), ...),
    and unless the variable is assigned again first.
  * ``leak_after_copy``: a local variable of a type in ``types`` without
    an auto-free attribute is passed to a call that only copies it
    (``copy_calls``), and no path after it releases it (``release_calls``),
    returns it, stores it elsewhere or takes its address.  Needs the whole
    function in view.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..code.declarations import declarations
from ..code.paths import flows
from ..findings import Candidate
from . import Kind, py_regex

_ADDRESS_OF = lazyre.compile(r"(&\s*)?([A-Za-z_]\w*)")

_LVALUE = lazyre.compile(r"[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*")
_STRINGS = lazyre.compile(r"\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'")


class _Needled:
    """A regex built for one variable, every match of which holds
    ``needle`` (the variable's last name): compiled at its first search of
    a text holding the needle, and never for the many statements after a
    call that do not name the variable (each compile is 0.1-0.3 ms)."""

    __slots__ = ("needle", "pattern", "rx")

    def __init__(self, needle: str, pattern: str) -> None:
        self.needle = needle
        self.pattern = pattern
        self.rx = None

    def search(self, text: str):
        if self.needle not in text:
            return None
        if self.rx is None:
            self.rx = re.compile(self.pattern)
        return self.rx.search(text)


def _last_name(expr: str) -> str:
    """The last identifier of an lvalue (``err`` of ``s->err``), which every
    match of ``_expr_re(expr)`` holds."""
    return expr.replace("->", ".").rsplit(".", 1)[-1].strip()


def _spec(specs):
    out: dict[str, int] = {}
    for s in specs:
        names = s["name"] if isinstance(s["name"], list) else [s["name"]]
        for n in names:
            out[n] = int(s.get("arg", 0))
    return out


def _expr_re(expr: str) -> str:
    parts = re.split(r"(->|\.)", expr)     # blanks beside them stripped by hand:
    last = len(parts) - 1                  # \s* on both sides is quadratic on blanks
    for i in range(0, last + 1, 2):
        if i > 0:
            parts[i] = parts[i].lstrip()
        if i < last:
            parts[i] = parts[i].rstrip()
    return r"\s*".join(re.escape(p) for p in parts)


class Lifetime(Kind):
    name = "lifetime"
    scope = "image"
    function_local = True       # candidates keyed (function, ...)
    params_spec = {
        "mode": (str, True),
        "release_calls": (list, False),     # [{name, arg}]
        "set_calls": (list, False),         # [{name, arg}] (set_twice)
        "keeps_calls": (list, False),       # calls that take a set error and keep it
        "keeps_pattern": (str, False),      # regex (search) over such callee names
        "resets_calls": (list, False),      # calls that free the error and clear it
        "copy_calls": (list, False),        # [{name, arg}] (leak_after_copy)
        "attribute": (str, False),          # regex over a declaration attribute (auto_double)
        "types": (list, False),             # declared types (leak_after_copy)
    }

    def __init__(self, params):
        super().__init__(params)
        from . import KindError
        self.mode = params["mode"]
        if self.mode not in ("use_after", "auto_double", "leak_after_copy", "set_twice"):
            raise KindError("lifetime: mode must be use_after, auto_double, "
                            "leak_after_copy or set_twice")
        need = "set_calls" if self.mode == "set_twice" else "release_calls"
        if need not in params:
            raise KindError(f"lifetime: mode {self.mode} needs parameter {need}")
        self.release = _spec(params.get("release_calls", []))
        self.set = _spec(params.get("set_calls", []))
        self.keeps = set(params.get("keeps_calls", []))
        self.keeps_re = py_regex(params.get("keeps_pattern", r"(?!)"))
        self.resets = set(params.get("resets_calls", []))
        self.copy = _spec(params.get("copy_calls", []))
        self.attribute = py_regex(params.get("attribute", r"(?!)"))
        self.types = set(params.get("types", []))

    def trigger_words(self):
        # every candidate starts from a call of the mode's table (by name)
        return tuple(sorted(self._table())) or None

    def _table(self) -> dict:
        return {"leak_after_copy": self.copy, "set_twice": self.set}.get(self.mode, self.release)

    def scan(self, view):
        decls = None
        table = self._table()
        for fl in flows(view, mentioning=table):
            if self.mode != "use_after":
                decls = decls or declarations(view)
            for i, s in enumerate(fl.stmts):
                for call in s.calls:
                    k = table.get(call.name)
                    if k is None or k >= len(call.args):
                        continue
                    arg = call.args[k]
                    if self.mode == "set_twice":
                        yield from self._set_twice(view, fl, i, call, arg)
                        continue
                    if not _LVALUE.fullmatch(arg):
                        continue
                    if self.mode == "use_after":
                        yield from self._use_after(view, fl, i, call, arg)
                    elif self.mode == "auto_double":
                        yield from self._auto_double(view, decls, fl, i, call, arg)
                    else:
                        yield from self._leak(view, decls, fl, i, call, arg)

    # -- use after release -------------------------------------------------
    def _use_after(self, view, fl, i, call, arg):
        ex = _expr_re(arg)
        name = _last_name(arg)
        use = _Needled(name, rf"(?<![\w.>]){ex}(?!\w)")
        assign = _Needled(name, rf"(?<![\w.>&*]){ex}\s*=(?!=)|&\s*{ex}(?![\w.\-\[])")
        base = re.match(r"\w+", arg).group(0) if arg != re.match(r"\w+", arg).group(0) else ""
        declared = _Needled(name, rf"(?<![\w.>]){ex}\s*(=|;|,|\[)")
        found = []

        def visit(j):
            if j == i:
                return True       # back at the release (a goto back): a new round
            s = fl.stmts[j]
            text = _STRINGS.sub('""', s.text)
            if s.kind == "loop":
                if ";" not in text:
                    # a FOREACH macro's first argument is its iterator: assigned
                    # (blanks are dropped below: no \s* around the group,
                    # which backtracks cubically on a run of blanks)
                    first = re.match(r"\(?([^,()]*),", text)
                    return bool(first and first.group(1) and re.sub(r"\s+", "", first.group(1))
                                == re.sub(r"\s+", "", arg))
                text = text.split(";")[0]
            if assign.search(text) or (s.kind == "decl" and declared.search(text)):
                return True       # assigned again, or a new variable of that name
            if use.search(text):
                found.append(j)
                return True
            if base and any(base in c.args for c in s.calls):
                return True       # a call given the owner may set the field again
            return False
        # only the branches that agree with the conditions the free ran under
        fl.forward(i, visit, assume=[])
        if not found:
            return
        j = found[0]
        u = fl.stmts[j]
        rel = fl.stmts[i]
        yield Candidate(
            path=view.path, line=u.line, end_line=u.line, function=fl.function,
            key=(fl.function, call.text, u.text),
            fields={"released": arg, "release": call.text, "release_line": str(rel.line),
                    "use": _short(u.text), "use_line": str(u.line)},
            view=view)

    # -- g_autoptr consumed without g_steal_pointer ---------------------------
    def _auto_double(self, view, decls, fl, i, call, arg):
        fd = decls.function(fl.function) if fl.function else None
        v = fd.variable(arg) if fd is not None else None
        if v is None or not any(self.attribute.fullmatch(a) for a in v.attributes):
            return
        assign = _Needled(arg, rf"(?<![\w.>&*]){re.escape(arg)}\s*=(?!=)|&\s*{re.escape(arg)}\b")
        reset = []
        fl.forward(i, lambda j: bool(assign.search(fl.stmts[j].text)) and not reset.append(j))
        if reset:
            return
        s = fl.stmts[i]
        yield Candidate(
            path=view.path, line=s.line, end_line=s.end_line, function=fl.function,
            key=(fl.function, call.text),
            fields={"var": arg, "attribute": v.attributes[0], "decl_line": str(v.line),
                    "call": call.text, "callee": call.name},
            view=view)

    # -- an error set, then maybe set again ----------------------------------------
    def _set_twice(self, view, fl, i, call, arg):
        m = _ADDRESS_OF.fullmatch(arg)
        if not m:
            return
        var = m.group(2)
        reset = _Needled(var, rf"(?<![\w.>*]){re.escape(var)}\s*=(?!=)")
        norm = re.sub(r"\s+", "", arg)
        found = []

        def visit(j):
            if j == i:
                return True
            s = fl.stmts[j]
            if reset.search(s.text):
                return True
            for c in s.calls:
                if c.name in self.resets and c.args and re.sub(r"\s+", "", c.args[0]) == norm:
                    return True
                if c.name in self.keeps or self.keeps_re.search(c.name):
                    continue
                if c.args and (re.sub(r"\s+", "", c.args[-1]) == norm or (
                        c.name in self.set and any(re.sub(r"\s+", "", a) == norm
                                                   for a in c.args))):
                    # QEMU passes the Error ** last; another set call sets it again
                    found.append((j, c))
                    return True
            return False
        # on this path the error is set: `if (err)`, `if (*errp)` are taken
        fl.forward(i, visit, assume=[var, f"*{var}", f"{var} != NULL"])
        if not found:
            return
        j, again = found[0]
        s, u = fl.stmts[i], fl.stmts[j]
        yield Candidate(
            path=view.path, line=u.line, end_line=u.line, function=fl.function,
            key=(fl.function, call.text, again.text),
            fields={"var": arg, "set": call.text, "set_line": str(s.line),
                    "again": again.text, "again_line": str(u.line), "callee": again.name},
            view=view)

    # -- copy, then never released ---------------------------------------------
    def _leak(self, view, decls, fl, i, call, arg):
        if not fl.complete:
            return
        fd = decls.function(fl.function) if fl.function else None
        v = fd.locals.get(arg) if fd is not None else None
        if v is None or v.attributes or v.type not in self.types:
            return
        a = re.escape(arg)
        kept = _Needled(arg, rf"return\s+{a}\b|=\s*{a}\s*(?:;|$)|&\s*{a}\b|"
                             rf"\b{a}\s*=(?!=)")
        ok = []

        def visit(j):
            s = fl.stmts[j]
            if any(self.release.get(c.name) is not None
                   and self.release[c.name] < len(c.args)
                   and c.args[self.release[c.name]] in (arg, f"g_steal_pointer(&{arg})")
                   for c in s.calls) or kept.search(s.text):
                ok.append(j)
                return True
            return False
        fl.forward(i, visit, assume=[])     # the branches the copy's conditions allow
        if ok or fl.lost or not fl.ended:
            return      # released (or kept) on some path, a path left the view,
                        # or every path ends the process (exit())
        s = fl.stmts[i]
        yield Candidate(
            path=view.path, line=s.line, end_line=s.end_line, function=fl.function,
            key=(fl.function, call.text),
            fields={"var": arg, "call": call.text, "callee": call.name},
            view=view)


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."
