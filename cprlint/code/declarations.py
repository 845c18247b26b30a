"""Declarations, per function of a view: return type, parameters, local
variables with their attributes (``g_autoptr(Error)``, ``g_autofree``),
return statements; and, per view, the return types of the functions it
declares or defines and the functions named in designated initializers
(``.pre_save = foo_pre_save``).

For a hunk that starts inside a function, the head is not in the parse:
the return type and parameters then come from the hunk header's section
text (git's function line, e.g. ``static bool foo(Bar *b, Error **errp)``)
when it shows them, and ``head_visible`` is False.
"""

from __future__ import annotations

from .. import lazyre
from ..records import FrozenRecord, Record, replace
from .facts import collapse
from .parsed import Parsed, function_digest, function_nodes, parsed, per_content

_BLANKS = lazyre.compile(r"\s+")


class Variable(FrozenRecord):
    """A parameter or local variable: name, type and the auto-free attributes."""

    name: str
    type: str                    # declared type with the pointer stars, e.g. "Error *", "char **"
    attributes: tuple[str, ...]  # "g_autoptr(Error)", "g_autofree", "g_auto(GStrv)"
    line: int
    is_param: bool
    init: str                    # a local's initializer, whitespace collapsed ('' when none)

    def __init__(self, name, type, attributes=(), line=0, is_param=False, init="") -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "name", name)
        _set(self, "type", type)
        _set(self, "attributes", attributes)
        _set(self, "line", line)
        _set(self, "is_param", is_param)
        _set(self, "init", init)

    @property
    def auto_freed(self) -> bool:
        return bool(self.attributes)


class Return(Record):
    """A return statement of a function."""

    line: int
    expr: str              # collapsed expression text, '' for a bare return

    def __init__(self, line, expr) -> None:
        self.line = line
        self.expr = expr


class FunctionDecl(Record):
    """A function definition: return type, parameters, locals and returns."""

    name: str
    line: int
    end_line: int
    return_type: str             # e.g. "bool", "int", "void", "char *"; '' when unknown
    params: list[Variable]
    locals: dict[str, Variable]  # first declaration of a name
    returns: list[Return]
    head_visible: bool           # the definition's head (type, name, parameters) is in view
    end_visible: bool            # its closing '}' is in view
    params_known: bool           # parameters known (head or a complete section header)

    def __init__(self, name, line, end_line, return_type, params=None, locals=None,
                 returns=None, head_visible=True, end_visible=True, params_known=True) -> None:
        self.name = name
        self.line = line
        self.end_line = end_line
        self.return_type = return_type
        self.params = [] if params is None else params
        self.locals = {} if locals is None else locals
        self.returns = [] if returns is None else returns
        self.head_visible = head_visible
        self.end_visible = end_visible
        self.params_known = params_known

    def variable(self, name: str) -> Variable | None:
        """The local or parameter ``name`` (innermost first: locals)."""
        v = self.locals.get(name)
        if v is not None:
            return v
        return next((p for p in self.params if p.name == name), None)


class Declarations(Record):
    """The declaration facts of a view."""

    functions: list[FunctionDecl]
    return_types: dict[str, str]  # name -> return type
    initializer_refs: list[tuple[str, str, int]]
    # (field, function name, line) of ``.field = name`` designated initializers

    def __init__(self, functions=None, return_types=None, initializer_refs=None) -> None:
        self.functions = [] if functions is None else functions
        self.return_types = {} if return_types is None else return_types
        self.initializer_refs = [] if initializer_refs is None else initializer_refs

    def function(self, name: str) -> FunctionDecl | None:
        return next((f for f in self.functions if f.name == name), None)

    def function_at(self, line: int) -> FunctionDecl | None:
        best = None
        for f in self.functions:
            if f.line <= line <= f.end_line and (best is None or f.line >= best.line):
                best = f
        return best


_STORAGE = lazyre.compile(r"\b(static|inline|extern|const|volatile|register|G_GNUC_\w+|"
                      r"QEMU_\w+|coroutine_fn|coroutine_mixed_fn|no_coroutine_fn|"
                      r"GRAPH_\w+|G_NORETURN)\b")


def _norm_type(text: str) -> str:
    """'static  bool' -> 'bool'; 'Error  * *' -> 'Error **'."""
    t = _STORAGE.sub(" ", text)
    stars = t.count("*")
    t = collapse(t.replace("*", " "))
    return f"{t} {'*' * stars}" if stars else t


def declarations(view) -> Declarations:
    """The view's declarations (computed once per view, and once per
    content for whole files)."""
    return per_content(view, "declarations", _declarations)


def _declarations(view) -> Declarations:
    out = Declarations()
    p = parsed(view)
    if p is not None:
        _fill(p, view, out)
    return out


# whole-file views: the declarations of a function definition, by its bytes
# (a file's next version, or a patch's other image, mostly repeats them)
_MEMO: dict[bytes, FunctionDecl] = {}
_MEMO_LIMIT = 20000


def _fill(p: Parsed, view, out: Declarations) -> None:
    # (a file checked as it is, patch_index None, has one version: not remembered)
    whole = view.whole_file and not p.pf.wrapped and p.pf.prefix_len == 0 \
        and p.pf.frag_end == len(p.pf.orig) and view.patch_index is not None
    for name, node, head_visible in function_nodes(p, view.section):
        if whole and head_visible:
            fd = _remembered(p, node, name)
        else:
            fd = _function_decl(p, node, name, head_visible, view)
        out.functions.append(fd)
        if head_visible and name:
            out.return_types.setdefault(name, fd.return_type)
    _file_scope(p, out)


def _function_decl(p: Parsed, node, name: str, head_visible: bool, view) -> FunctionDecl:
    body = node.child_by_field_name("body")
    end_visible = bool(body is not None and body.child_count
                       and body.children[-1].type == "}"
                       and not body.children[-1].is_missing
                       and body.children[-1].start_byte < p.hi)
    if head_visible:
        rtype, params = _head(p, node)
        known = True
        line = p.line(node)
    else:
        rtype, params, known = _from_section(getattr(view, "section_text", ""), name)
        line = view.first_line
    fd = FunctionDecl(name=name, line=line, end_line=p.end_line(node),
                      return_type=rtype, params=params, head_visible=head_visible,
                      end_visible=end_visible, params_known=known)
    if body is not None:
        _body(p, body, fd)
    return fd


def _remembered(p: Parsed, node, name: str) -> FunctionDecl:
    """The declarations of a function definition of a whole file, derived
    once per text (from the start of its first line to its end, original
    and masked) and moved to where it now is."""
    key = function_digest(p.pf, node, name)
    line = p.line(node)
    fd = _MEMO.get(key)
    if fd is None:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        fd = _MEMO[key] = _function_decl(p, node, name, True, None)
    return _moved(fd, line - fd.line)


def _moved(fd: FunctionDecl, dl: int) -> FunctionDecl:
    if not dl:
        return fd
    return FunctionDecl(
        name=fd.name, line=fd.line + dl, end_line=fd.end_line + dl,
        return_type=fd.return_type,
        params=[replace(v, line=v.line + dl) for v in fd.params],
        locals={k: replace(v, line=v.line + dl) for k, v in fd.locals.items()},
        returns=[Return(r.line + dl, r.expr) for r in fd.returns],
        head_visible=fd.head_visible, end_visible=fd.end_visible,
        params_known=fd.params_known)


def _declarator_name(p: Parsed, d) -> tuple[str, int]:
    """(identifier, pointer depth) of a declarator; ('', 0) if none."""
    stars = 0
    while d is not None:
        t = d.type
        if t in ("identifier", "field_identifier"):
            return p.text(d), stars
        if t == "pointer_declarator":
            stars += 1
        elif t == "function_declarator":
            return "", 0
        nxt = d.child_by_field_name("declarator")
        if nxt is None:
            nxt = next((c for c in d.named_children if c.type not in ("null",)), None)
        d = nxt
    return "", 0


def _head(p: Parsed, node) -> tuple[str, list[Variable]]:
    tnode = node.child_by_field_name("type")
    base = p.text(tnode) if tnode is not None else ""
    d = node.child_by_field_name("declarator")
    stars = 0
    params: list[Variable] = []
    while d is not None:
        if d.type == "pointer_declarator":
            stars += 1
        if d.type == "function_declarator":
            plist = d.child_by_field_name("parameters")
            if plist is not None:
                params = _params(p, plist)
            break
        d = d.child_by_field_name("declarator")
    return _norm_type(base + " " + "*" * stars), params


def _params(p: Parsed, plist) -> list[Variable]:
    out = []
    for prm in plist.named_children:
        if prm.type != "parameter_declaration":
            continue
        tnode = prm.child_by_field_name("type")
        base = p.text(tnode) if tnode is not None else ""
        name, stars = _declarator_name(p, prm.child_by_field_name("declarator"))
        if name:
            out.append(Variable(name, _norm_type(base + " " + "*" * stars),
                                line=p.line(prm), is_param=True))
    return out


_SECTION = lazyre.compile(
    r"^(?P<type>[A-Za-z_][\w\s\*]*?)[\s\*]*\b(?P<name>\w+)\s*\((?P<params>[^()]*)(?P<close>\))?")


def _from_section(header: str, name: str) -> tuple[str, list[Variable], bool]:
    """Return type and parameters from a hunk header's section text, when it
    is the head of ``name`` (``static bool foo(Bar *b, Error **errp)``)."""
    m = _SECTION.match(header or "")
    if not m or m.group("name") != name:
        return "", [], False
    head = header[:m.start("name")]
    rtype = _norm_type(head)
    if not rtype or rtype in ("static", "inline"):
        rtype = ""
    params = []
    for part in m.group("params").split(","):
        typ, name = _type_and_name(part)
        if name:
            params.append(Variable(name, _norm_type(typ), is_param=True))
    return rtype, params, bool(m.group("close"))


def _type_and_name(part: str) -> tuple[str, str]:
    """``Bar *b`` -> (``Bar *``, ``b``): a type of words, blanks and stars
    ending in a blank or star, then the name; ('', '') otherwise.  (Scanned
    by hand: a lazy regex for this backtracks quadratically on blanks.)"""
    s = part.strip()
    i = len(s)
    while i and (s[i - 1].isalnum() or s[i - 1] == "_"):
        i -= 1
    name, typ = s[i:], s[:i]
    if not name or not typ or typ[-1] not in " \t\n*":
        return "", ""
    if any(not (c.isalnum() or c == "_" or c in " \t\n\r\f\v*") for c in typ):
        return "", ""
    return typ, name


_AUTO = lazyre.compile(r"^\s*(g_autoptr\s*\(\s*\w+\s*\)|g_auto\s*\(\s*\w+\s*\)|g_autofree)")


# nodes whose subtree holds a declaration or a return statement only inside
# a block: without a "{" in their bytes (and without a syntax error) the
# walk does not go in.  Most nodes of a body are in expressions.
_EXPRESSIONS = frozenset((
    "expression_statement", "call_expression", "argument_list", "assignment_expression",
    "binary_expression", "unary_expression", "pointer_expression", "field_expression",
    "subscript_expression", "cast_expression", "conditional_expression",
    "parenthesized_expression", "update_expression", "comma_expression",
    "sizeof_expression", "concatenated_string", "string_literal", "init_declarator",
    "initializer_list",
))


def _body(p: Parsed, body, fd: FunctionDecl) -> None:
    stack = [body]
    orig = p.pf.orig
    while stack:
        node = stack.pop()
        t = node.type
        if t == "declaration" and p.visible(node):
            _local(p, node, fd)
        elif t == "return_statement" and p.visible(node) and not p.synthetic(node):
            expr = next((c for c in node.named_children if c.type != "comment"), None)
            fd.returns.append(Return(p.line(node), collapse(p.text(expr)) if expr else ""))
        if t == "function_definition":
            continue
        if t in _EXPRESSIONS and not node.has_error \
                and orig.find(b"{", node.start_byte, node.end_byte) < 0:
            continue
        stack.extend(reversed(node.named_children))
    fd.returns.sort(key=lambda r: r.line)


def _local(p: Parsed, node, fd: FunctionDecl) -> None:
    tnode = node.child_by_field_name("type")
    base = p.text(tnode) if tnode is not None else ""
    # a masked attribute (g_autofree) is blank in the parse: read the line
    orig = p.pf.orig
    start = orig.rfind(b"\n", 0, node.start_byte) + 1
    whole = orig[start:node.start_byte].decode("utf-8", "replace") + p.text(node)
    attrs: tuple[str, ...] = ()
    m = _AUTO.match(whole)
    if m:
        attrs = (_BLANKS.sub("", m.group(1)),)
    if tnode is not None and tnode.type == "macro_type_specifier":
        # g_autoptr(Error) err: the type is the macro's argument, a pointer
        inner = tnode.child_by_field_name("type")
        macro = tnode.child_by_field_name("name")
        mname = p.text(macro) if macro is not None else ""
        if mname in ("g_autoptr", "g_auto"):
            base = (p.text(inner) if inner is not None else "") + (" *" if mname == "g_autoptr" else "")
            attrs = (f"{mname}({p.text(inner) if inner is not None else ''})",)
    for d in node.children_by_field_name("declarator"):
        name, stars = _declarator_name(p, d)
        value = d.child_by_field_name("value") if d.type == "init_declarator" else None
        if name and name not in fd.locals:
            fd.locals[name] = Variable(name, _norm_type(base + " " + "*" * stars), attrs,
                                       line=p.line(node),
                                       init=collapse(p.text(value)) if value is not None else "")


def _file_scope(p: Parsed, out: Declarations) -> None:
    """Prototypes' return types and ``.field = function`` initializers."""
    stack = [p.pf.tree.root_node]
    while stack:
        node = stack.pop()
        t = node.type
        if t == "function_definition":
            continue
        if t == "declaration" and p.visible(node):
            for d in node.children_by_field_name("declarator"):
                stars, fdecl = 0, d
                while fdecl is not None and fdecl.type == "pointer_declarator":
                    stars += 1
                    fdecl = fdecl.child_by_field_name("declarator")
                if fdecl is not None and fdecl.type == "function_declarator":
                    n = fdecl.child_by_field_name("declarator")
                    if n is not None and n.type == "identifier":
                        tnode = node.child_by_field_name("type")
                        out.return_types.setdefault(
                            p.text(n), _norm_type((p.text(tnode) if tnode else "") + " " + "*" * stars))
        if t == "initializer_pair" and p.visible(node):
            des = node.child_by_field_name("designator")
            val = node.child_by_field_name("value")
            if des is not None and val is not None and val.type == "identifier" \
                    and des.type == "field_designator":
                out.initializer_refs.append((p.text(des).lstrip(".").strip(), p.text(val),
                                             p.line(node)))
        stack.extend(reversed(node.named_children))
