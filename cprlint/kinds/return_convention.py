"""Kind ``return_convention``: a return value that does not fit the
function's return type's convention.

A function whose return type is one of ``bool_types`` returns an
expression matching ``bool_bad_returns`` (e.g. ``-EINVAL``, ``-errno``), a
variable declared with one of ``int_types``, or the result of a call to a
function the view declares with one of ``int_types``: C converts any
non-zero value to ``true``, so a failure reads as success.  Only a *status*
is reported: a variable of one of ``int_types`` that the function assigns
a negative errno or a status call's result, or a status call itself -- a
call matching ``status_calls``, or of a function the view defines that
returns a negative errno.  An int used as a count or a flag is C's
ordinary int-to-bool conversion and is not reported.  A function
whose return type is one of ``int_types`` and that returns a negative errno
somewhere (``errno_returns``) also returns ``true``/``false``
(``bool_literals``): ``false`` is 0, its success value.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..code.declarations import declarations
from ..findings import Candidate
from . import Kind, py_regex

_WORD = lazyre.compile(r"\w+")
_CALLEE = lazyre.compile(r"^(\w+)\s*\(")


class ReturnConvention(Kind):
    name = "return_convention"
    scope = "image"
    params_spec = {
        "bool_types": (list, True),
        "int_types": (list, True),
        "bool_bad_returns": (list, True),    # regexes (fullmatch) over a returned expression
        "errno_returns": (list, False),      # regexes: what marks an int function 0/-errno
        "bool_literals": (list, False),      # e.g. ["true", "false"]
        "status_calls": (list, False),       # regexes (fullmatch): calls returning 0/-errno
    }

    def __init__(self, params):
        super().__init__(params)
        self.bool_types = set(params["bool_types"])
        self.int_types = set(params["int_types"])
        self.bad = [py_regex(r) for r in params["bool_bad_returns"]]
        self.errno = [py_regex(r) for r in params.get("errno_returns", [])]
        self.literals = set(params.get("bool_literals", []))
        self.status_calls = [py_regex(r) for r in params.get("status_calls", [])]

    def _errno_fns(self, decls) -> set[str]:
        """Functions of the view with an int return type that return a
        negative errno or another status call's result."""
        out: set[str] = set()
        grew = True
        while grew:
            grew = False
            for f in decls.functions:
                if f.name in out or f.return_type not in self.int_types:
                    continue
                if any(any(p.fullmatch(r.expr) for p in self.bad)
                       or self._status_call(_whole_call(r.expr), out) for r in f.returns):
                    out.add(f.name)
                    grew = True
        return out

    def _status_call(self, name: str, errno_fns) -> bool:
        if not name:
            return False
        return name in errno_fns or any(r.fullmatch(name) for r in self.status_calls)

    def _status_var(self, view, fd, var: str, errno_fns) -> str:
        """How ``var`` gets a status in ``fd`` ('' if it never does)."""
        from ..code.paths import flows

        pat = re.compile(rf"(?<![\w.>]){re.escape(var)}\s*=\s*(?:(-\s*E[A-Z0-9]+|-\s*errno)\b|(\w+)\s*\()")
        for fl in flows(view, functions={fd.name}):
            for s in fl.stmts:
                for m in pat.finditer(s.text):
                    if m.group(1):
                        return f"`{var} = {m.group(1)}` at line {s.line}"
                    if self._status_call(m.group(2), errno_fns):
                        return f"`{var} = {m.group(2)}(...)` at line {s.line}"
        return ""

    def scan(self, view):
        decls = declarations(view)
        self._errnos = self._errno_fns(decls)
        for fd in decls.functions:
            if fd.return_type in self.bool_types:
                yield from self._bool_fn(view, decls, fd)
            elif fd.return_type in self.int_types and self.literals:
                yield from self._int_fn(view, fd)

    def _bool_fn(self, view, decls, fd):
        for r in fd.returns:
            e = r.expr
            what = None
            if any(p.fullmatch(e) for p in self.bad):
                what = f"`{e}`, a negative errno,"
            elif _WORD.fullmatch(e):
                v = fd.variable(e)
                how = self._status_var(view, fd, e, self._errnos) \
                    if v is not None and v.type in self.int_types and not v.is_param else ""
                if how:
                    what = f"`{e}`, an `{v.type}` status ({how}),"
            else:
                name = _whole_call(e)
                if name and self._status_call(name, self._errnos):
                    what = f"the 0/-errno status of {name}()"
            if what:
                yield self._cand(view, fd, r, what, "bool")

    def _int_fn(self, view, fd):
        errnos = [r for r in fd.returns if any(p.fullmatch(r.expr) for p in self.errno)]
        if not errnos:
            return
        for r in fd.returns:
            if r.expr in self.literals:
                what = f"`{r.expr}` although it returns `{errnos[0].expr}` at line {errnos[0].line}"
                yield self._cand(view, fd, r, what, fd.return_type)

    def _cand(self, view, fd, r, what, declared):
        return Candidate(
            path=view.path, line=r.line, function=fd.name,
            key=(fd.name, fd.return_type, r.expr),
            fields={"returned": what, "expr": r.expr, "type": fd.return_type},
            view=view)


def _whole_call(expr: str) -> str:
    """The callee when ``expr`` is one call ``f(...)`` and nothing else."""
    m = _CALLEE.match(expr)
    if not m:
        return ""
    depth = 0
    for i in range(m.end() - 1, len(expr)):
        if expr[i] == "(":
            depth += 1
        elif expr[i] == ")":
            depth -= 1
            if depth == 0:
                return m.group(1) if i == len(expr) - 1 else ""
    return ""
