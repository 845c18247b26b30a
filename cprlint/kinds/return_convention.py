"""Kind ``return_convention``: a return value that does not fit the
function's return type's convention.

A function whose return type is one of ``bool_types`` returns an
expression matching ``bool_bad_returns`` (e.g. ``-EINVAL``, ``-errno``), a
variable declared with one of ``int_types``, or the result of a call to a
function the view declares with one of ``int_types``: C converts any
non-zero value to ``true``, so a failure reads as success.  A function
whose return type is one of ``int_types`` and that returns a negative errno
somewhere (``errno_returns``) also returns ``true``/``false``
(``bool_literals``): ``false`` is 0, its success value.
"""

from __future__ import annotations

import re

from ..code.declarations import declarations
from ..findings import Candidate
from . import Kind


class ReturnConvention(Kind):
    name = "return_convention"
    scope = "image"
    params_spec = {
        "bool_types": (list, True),
        "int_types": (list, True),
        "bool_bad_returns": (list, True),    # regexes (fullmatch) over a returned expression
        "errno_returns": (list, False),      # regexes: what marks an int function 0/-errno
        "bool_literals": (list, False),      # e.g. ["true", "false"]
    }

    def __init__(self, params):
        super().__init__(params)
        self.bool_types = set(params["bool_types"])
        self.int_types = set(params["int_types"])
        self.bad = [re.compile(r) for r in params["bool_bad_returns"]]
        self.errno = [re.compile(r) for r in params.get("errno_returns", [])]
        self.literals = set(params.get("bool_literals", []))

    def scan(self, view):
        decls = declarations(view)
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
            elif re.fullmatch(r"\w+", e):
                v = fd.variable(e)
                if v is not None and v.type in self.int_types:
                    what = f"`{e}`, declared `{v.type}` at line {v.line}," if v.line else \
                        f"`{e}`, an `{v.type}` parameter,"
            else:
                m = re.fullmatch(r"(\w+)\s*\(.*\)", e)
                if m and decls.return_types.get(m.group(1)) in self.int_types:
                    what = (f"the `{decls.return_types[m.group(1)]}` status of "
                            f"{m.group(1)}()")
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
