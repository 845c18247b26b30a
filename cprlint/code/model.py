"""What the rules read about C code: views of a hunk and the facts in them.

A *view* is one image of one hunk (``side`` is "post": context + added lines,
or "pre": context + removed lines), parsed with tree-sitter-c after
same-length macro masking.  All line numbers here are **file** line numbers
of that image (post-image numbers for "post", pre-image numbers for "pre");
``CodeView.input_line(n)`` maps one to the input file.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field


def any_between(order: list[int], first: int, last: int) -> bool:
    """Whether the sorted line numbers ``order`` hold one in [first, last]
    (one bisect: callers sort the changed lines once, not per span)."""
    i = bisect_left(order, first)
    return i < len(order) and order[i] <= last

# The fact classes have __slots__: a whole-file view of migration.c holds
# thousands of them, and a 200-patch series with its base tree one such
# view per patch and file (a third less memory than with a __dict__ each).


@dataclass(frozen=True, slots=True)
class Guard:
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

    kind: str
    text: str
    line: int
    switch: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EarlyExit:
    """An earlier statement in the same function that can leave the path.

    ``if (cond) { ...; return/goto L/break/continue; }`` seen *before* the
    statement in an enclosing block (same or outer block), or a bare
    ``return``/``goto``.  ``cond`` is the condition text ("" for a bare exit),
    ``exit`` is "return", "goto", "break" or "continue", ``target`` the goto
    label or "".
    """

    cond: str
    exit: str
    line: int
    target: str = ""


@dataclass(slots=True)
class CallFact:
    """A call in a view: callee, arguments, enclosing guards and exits."""

    name: str                  # callee identifier, e.g. "vm_resume"
    args: list[str]            # argument texts, whitespace collapsed
    text: str                  # whole call text, whitespace collapsed
    line: int                  # file line of the call's start
    end_line: int
    byte: int                  # start byte in the view text (orders calls)
    function: str              # enclosing function name ('' when unknown)
    guards: list[Guard] = field(default_factory=list)
    early_exits: list[EarlyExit] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)   # labels before it in the same function
    in_condition: bool = False # the call is (part of) an if/while condition itself
    in_error: bool = False     # anchored inside an ERROR subtree of the parse


@dataclass(slots=True)
class CommentFact:
    """A comment in a view and the lines of it the patch changed."""

    text: str                  # raw comment text including /* */ or //
    line: int                  # first file line
    end_line: int
    function: str              # enclosing function ('' at file scope or unknown)
    changed_lines: frozenset[int] = frozenset()   # file lines of this comment that the
                               # patch added ('+', post view) or removed ('-', pre view)

    def lines(self) -> list[tuple[int, str]]:
        """(file line, text of that line) for every line of the comment."""
        return [(self.line + i, t) for i, t in enumerate(self.text.split("\n"))]


@dataclass(slots=True)
class FunctionFact:
    """A function definition (or the hunk header's function) in a view."""

    name: str
    line: int                  # line of the name in the declarator
    end_line: int
    body_line: int             # line of the opening '{'
    start_visible: bool        # the definition's header and '{' are inside the view
    end_visible: bool          # the closing '}' is inside the view
    is_static: bool = False
    from_section: bool = False # name known only from the hunk header, not the parse


@dataclass
class Facts:
    """The general facts of one view."""

    functions: list[FunctionFact] = field(default_factory=list)
    calls: list[CallFact] = field(default_factory=list)
    comments: list[CommentFact] = field(default_factory=list)
    identifiers: set[str] = field(default_factory=set)   # every identifier used
    macros_defined: list[tuple[str, int]] = field(default_factory=list)  # (#define NAME, line)
    prototypes: list[tuple[str, int]] = field(default_factory=list)      # (declared function, line)
    enum_constants: list[tuple[str, int]] = field(default_factory=list)  # (enumerator, line)
    # (function or '', line) nested past limits.MAX_TREE_DEPTH: not analysed
    too_deep: list[tuple[str, int]] = field(default_factory=list)
    fields_defined: list[tuple[str, int]] = field(default_factory=list)  # (struct/union field, line)
    error_count: int = 0       # ERROR nodes left after masking/wrapping
    missing_count: int = 0


@dataclass
class CodeView:
    """One image of one hunk (or, later, of a whole file)."""

    path: str
    side: str                  # "post" or "pre"
    text: str                  # the image text (original, unmasked), '\n' line ends
    first_line: int            # file line number of the first line of ``text``
    changed: frozenset[int]    # file lines added (post) / removed (pre) by the patch
    input_lines: dict[int, int | None]   # file line -> input line (None if unknown)
    section: str = ""          # function name from the hunk header ('' if none)
    section_text: str = ""     # the hunk header's section as git wrote it (e.g. the
                               # 'static const VMStateDescription vmstate_x = {' above)
    whole_file: bool = False   # True when text is a whole file, not a hunk
    facts: Facts = field(default_factory=Facts)
    patch_index: int | None = None   # the patch this image belongs to (None: a file as it is)
    # full mode: the file's chunks (code.incremental.OutlineEntry), None if not cut
    outline: list | None = None

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


@dataclass
class HunkViews:
    """Both images of one hunk of one C file of one patch."""

    patch_index: int           # position in Series.patches
    file_path: str
    hunk_index: int
    post: CodeView
    pre: CodeView
