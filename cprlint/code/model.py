"""What the rules read about C code: views of a hunk and the facts in them.

A *view* is one image of one hunk (``side`` is "post": context + added lines,
or "pre": context + removed lines), parsed with tree-sitter-c after
same-length macro masking.  All line numbers here are **file** line numbers
of that image (post-image numbers for "post", pre-image numbers for "pre");
``CodeView.input_line(n)`` maps one to the input file.
"""

from __future__ import annotations

from bisect import bisect_left

from ..records import FrozenRecord, Record


def any_between(order: list[int], first: int, last: int) -> bool:
    """Whether the sorted line numbers ``order`` hold one in [first, last]
    (one bisect: callers sort the changed lines once, not per span)."""
    i = bisect_left(order, first)
    return i < len(order) and order[i] <= last

# The fact classes have __slots__: a whole-file view of migration.c holds
# thousands of them, and a 200-patch series with its base tree one such
# view per patch and file (a third less memory than with a __dict__ each).


class Guard(FrozenRecord):
    """One enclosing condition of a statement, outermost first.

    kind: "if"    -- the statement is in the then-branch of ``if (text)``
          "else"  -- the statement is in the else-branch of ``if (text)``
                     (an ``else if (B)`` chain gives ("else", A), ("if", B))
          "case"  -- under a ``case``/``default`` label of a switch; text is the
                     label value (e.g. "MIGRATION_STATUS_FAILED"), and the
                     switch's own expression is in ``switch``
          "loop"  -- inside a loop (for/while/do, or a masked FOREACH/WITH_
                     block macro, whose original name is the text)
    text: the condition's source, whitespace collapsed to single spaces,
          without the outer parentheses, e.g. "!migration_has_failed(s)".
          "?" when the condition lies above the hunk (synthetic wrapper);
          "... tail" when only its tail is inside the hunk.
    detail: for a masked block macro ("loop" whose text is the macro name),
          its argument text, e.g. "&s->lock" for WITH_QEMU_LOCK_GUARD(&s->lock).
    """

    __slots__ = ("kind", "text", "line", "switch", "detail")

    kind: str
    text: str
    line: int
    switch: str
    detail: str

    def __init__(self, kind, text, line, switch="", detail="") -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "kind", kind)
        _set(self, "text", text)
        _set(self, "line", line)
        _set(self, "switch", switch)
        _set(self, "detail", detail)


class EarlyExit(FrozenRecord):
    """An earlier statement in the same function that can leave the path.

    ``if (cond) { ...; return/goto L/break/continue; }`` seen *before* the
    statement in an enclosing block (same or outer block), or a bare
    ``return``/``goto``.  ``cond`` is the condition text ("" for a bare exit),
    ``exit`` is "return", "goto", "break" or "continue", ``target`` the goto
    label or "".
    """

    __slots__ = ("cond", "exit", "line", "target")

    cond: str
    exit: str
    line: int
    target: str

    def __init__(self, cond, exit, line, target="") -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "cond", cond)
        _set(self, "exit", exit)
        _set(self, "line", line)
        _set(self, "target", target)


class CallFact(Record):
    """A call in a view: callee, arguments, enclosing guards and exits."""

    __slots__ = ("name", "args", "text", "line", "end_line", "byte", "function", "guards",
                 "early_exits", "labels", "in_condition", "in_error")

    name: str                  # callee identifier, e.g. "vm_resume"
    args: list[str]            # argument texts, whitespace collapsed
    text: str                  # whole call text, whitespace collapsed
    line: int                  # file line of the call's start
    end_line: int
    byte: int                  # start byte in the view text (orders calls)
    function: str              # enclosing function name ('' when unknown)
    guards: list[Guard]
    early_exits: list[EarlyExit]
    labels: list[str]          # labels before it in the same function
    in_condition: bool         # the call is (part of) an if/while condition itself
    in_error: bool             # anchored inside an ERROR subtree of the parse

    def __init__(self, name, args, text, line, end_line, byte, function, guards=None,
                 early_exits=None, labels=None, in_condition=False, in_error=False) -> None:
        self.name = name
        self.args = args
        self.text = text
        self.line = line
        self.end_line = end_line
        self.byte = byte
        self.function = function
        self.guards = [] if guards is None else guards
        self.early_exits = [] if early_exits is None else early_exits
        self.labels = [] if labels is None else labels
        self.in_condition = in_condition
        self.in_error = in_error


class CommentFact(Record):
    """A comment in a view and the lines of it the patch changed."""

    __slots__ = ("text", "line", "end_line", "function", "changed_lines")

    text: str                      # raw comment text including /* */ or //
    line: int                      # first file line
    end_line: int
    function: str                  # enclosing function ('' at file scope or unknown)
    changed_lines: frozenset[int]  # file lines of this comment that the
                               # patch added ('+', post view) or removed ('-', pre view)

    def __init__(self, text, line, end_line, function, changed_lines=frozenset()) -> None:
        self.text = text
        self.line = line
        self.end_line = end_line
        self.function = function
        self.changed_lines = changed_lines

    def lines(self) -> list[tuple[int, str]]:
        """(file line, text of that line) for every line of the comment."""
        return [(self.line + i, t) for i, t in enumerate(self.text.split("\n"))]


class FunctionFact(Record):
    """A function definition (or the hunk header's function) in a view."""

    __slots__ = ("name", "line", "end_line", "body_line", "start_visible", "end_visible",
                 "is_static", "from_section")

    name: str
    line: int                  # line of the name in the declarator
    end_line: int
    body_line: int             # line of the opening '{'
    start_visible: bool        # the definition's header and '{' are inside the view
    end_visible: bool          # the closing '}' is inside the view
    is_static: bool
    from_section: bool         # name known only from the hunk header, not the parse

    def __init__(self, name, line, end_line, body_line, start_visible, end_visible,
                 is_static=False, from_section=False) -> None:
        self.name = name
        self.line = line
        self.end_line = end_line
        self.body_line = body_line
        self.start_visible = start_visible
        self.end_visible = end_visible
        self.is_static = is_static
        self.from_section = from_section


class Facts(Record):
    """The general facts of one view."""

    functions: list[FunctionFact]
    calls: list[CallFact]
    comments: list[CommentFact]
    identifiers: set[str]                  # every identifier used
    macros_defined: list[tuple[str, int]]  # (#define NAME, line)
    prototypes: list[tuple[str, int]]      # (declared function, line)
    enum_constants: list[tuple[str, int]]  # (enumerator, line)
    # (function or '', line) nested past limits.MAX_TREE_DEPTH: not analysed
    too_deep: list[tuple[str, int]]
    fields_defined: list[tuple[str, int]]  # (struct/union field, line)
    error_count: int                       # ERROR nodes left after masking/wrapping
    missing_count: int

    def __init__(self, functions=None, calls=None, comments=None, identifiers=None,
                 macros_defined=None, prototypes=None, enum_constants=None, too_deep=None,
                 fields_defined=None, error_count=0, missing_count=0) -> None:
        self.functions = [] if functions is None else functions
        self.calls = [] if calls is None else calls
        self.comments = [] if comments is None else comments
        self._identifiers = set() if identifiers is None else identifiers
        self._words_of: bytes | None = None
        self.macros_defined = [] if macros_defined is None else macros_defined
        self.prototypes = [] if prototypes is None else prototypes
        self.enum_constants = [] if enum_constants is None else enum_constants
        self.too_deep = [] if too_deep is None else too_deep
        self.fields_defined = [] if fields_defined is None else fields_defined
        self.error_count = error_count
        self.missing_count = missing_count

    @property
    def identifiers(self) -> set[str]:
        """Every identifier used: those of the source given to
        ``identifiers_from`` are read at the first use (a file checked as it
        is, or a one-patch series, has no series rule that asks: ~2.5 ms of
        migration.c's words)."""
        if self._words_of is not None:
            from .facts import identifiers_in

            self._identifiers |= identifiers_in(self._words_of)
            self._words_of = None
        return self._identifiers

    @identifiers.setter
    def identifiers(self, value: set[str]) -> None:
        self._identifiers = value
        self._words_of = None

    def identifiers_from(self, src: bytes) -> None:
        """Add the identifiers of ``src`` (facts.identifiers_in) when asked."""
        if self._words_of is not None:
            self.identifiers        # the earlier source first: each is read on its own
        self._words_of = src


class CodeView(Record):
    """One image of one hunk (or, later, of a whole file)."""

    path: str
    side: str                           # "post" or "pre"
    text: str                           # the image text (original, unmasked), '\n' line ends
    first_line: int                     # file line number of the first line of ``text``
    changed: frozenset[int]             # file lines added (post) / removed (pre) by the patch
    input_lines: dict[int, int | None]  # file line -> input line (None if unknown)
    section: str                        # function name from the hunk header ('' if none)
    section_text: str                   # the hunk header's section as git wrote it (e.g. the
                               # 'static const VMStateDescription vmstate_x = {' above)
    whole_file: bool         # True when text is a whole file, not a hunk
    facts: Facts
    patch_index: int | None  # the patch this image belongs to (None: a file as it is)
    # full mode: the file's chunks (code.incremental.OutlineEntry), None if not cut
    outline: list | None

    def __init__(self, path, side, text, first_line, changed, input_lines, section="",
                 section_text="", whole_file=False, facts=None, patch_index=None, outline=None) -> None:
        self.path = path
        self.side = side
        self.text = text
        self.first_line = first_line
        self.changed = changed
        self.input_lines = input_lines
        self.section = section
        self.section_text = section_text
        self.whole_file = whole_file
        self.facts = Facts() if facts is None else facts
        self.patch_index = patch_index
        self.outline = outline

    @property
    def facts(self) -> Facts:
        """The image's facts.  A hunk's pre-image is parsed when they are
        first asked for (by a rule, or by ``==``, ``repr()`` and
        ``records.replace``, which read every field), and so is a whole
        file of a series (code.whole.SeriesSteps); the time it takes is
        not counted to the patch budget (the views used to be parsed
        before any rule ran)."""
        f = self.__dict__.get("_facts")
        if f is None:               # an image whose facts were left for first use
            from ..limits import unbilled

            steps = self.__dict__.get("_steps")
            if steps is not None:   # (series steps, index of this view's step)
                unbilled(lambda: steps[0].derive(steps[1]))
                return self.__dict__["_facts"]
            from .views import derive_facts

            f = unbilled(lambda: derive_facts(self))
        return f

    @facts.setter
    def facts(self, value: Facts) -> None:
        self.__dict__["_facts"] = value

    @property
    def outline(self) -> list | None:
        if self.facts_deferred and "_steps" in self.__dict__:
            self.facts              # a whole file's outline comes with its facts
        return self.__dict__.get("_outline")

    @outline.setter
    def outline(self, value: list | None) -> None:
        self.__dict__["_outline"] = value

    def defer_facts(self) -> None:
        """Leave this hunk image's facts (and parse) for their first use."""
        self.__dict__["_facts"] = None

    @property
    def facts_deferred(self) -> bool:
        """Whether this image's facts are still left for their first use."""
        return "_facts" in self.__dict__ and self.__dict__["_facts"] is None

    def input_line(self, line: int) -> int | None:
        return self.input_lines.get(line)

    def source_line(self, line: int) -> str:
        i = line - self.first_line
        rows = self.__dict__.get("_rows")
        if rows is None:        # split once: whole-file views are asked often
            rows = self.__dict__["_rows"] = self.text.split("\n")
        return rows[i] if 0 <= i < len(rows) else ""

    def function_at(self, line: int) -> FunctionFact | None:
        """The innermost function whose range covers ``line``."""
        best = None
        for f in self.facts.functions:
            if f.line <= line <= f.end_line and (best is None or f.line >= best.line):
                best = f
        return best


class HunkViews(Record):
    """Both images of one hunk of one C file of one patch."""

    patch_index: int           # position in Series.patches
    file_path: str
    hunk_index: int
    post: CodeView
    pre: CodeView

    def __init__(self, patch_index, file_path, hunk_index, post, pre) -> None:
        self.patch_index = patch_index
        self.file_path = file_path
        self.hunk_index = hunk_index
        self.post = post
        self.pre = pre
