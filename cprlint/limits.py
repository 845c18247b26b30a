"""Bounds that keep hostile input from stalling or flooding a run.

cprlint reads mail from strangers (a bot on a public list, b4, CI): every
stage must take time linear in the input and memory bounded by it.  The
caps here are far above what real QEMU patches need; what goes over one is
truncated or skipped *for analysis* and said in the summary as a note, never
an error, so the rest of the series is still checked.

Notes are collected process-wide (``note``) and taken by the run
(``take_notes``), so deep helpers need not thread a list through.
"""

from __future__ import annotations

MAX_INPUT_BYTES = 256 * 1024 * 1024   # one input (file, stdin, C file), after gunzip
MAX_LINE_CHARS = 4096                 # a line longer than this is cut for analysis
MAX_HEADER_CHARS = 4096               # a header value (Subject, To, Cc, ...) likewise
MAX_HEADER_LINES = 2000               # header lines of one mail (folded lines count)
MAX_NODE_TEXT = 512                   # bytes of a call or condition text kept as a fact
MAX_TREE_DEPTH = 150                  # syntax-tree levels the walkers descend
MAX_PATCH_HUNKS = 1500                # hunks of one patch analysed (the rest: a note)
MAX_PATCH_LINES = 25000               # hunk lines of one patch analysed, likewise
SERIES_WINDOW_PATCHES = 500          # a longer series is checked this many patches
SERIES_WINDOW_BYTES = 2 * 1024 * 1024  # (or bytes of mail) at a time, in hunk mode
PATCH_BUDGET_S = 5.0                  # seconds of rule analysis per patch
PARSE_BUDGET_S = 0.3                  # seconds one tree-sitter parse may take,
PARSE_BUDGET_PER_MB = 3.0             # plus this much per megabyte parsed

_notes: dict[str, None] = {}         # in the order said, each once
_cuts: dict[str, list] = {}          # what -> [how many, first input line]
_muted = [0]


def note(text: str) -> None:
    """Say ``text`` once in this run's summary."""
    if not _muted[0]:
        _notes.setdefault(text, None)


class muted:
    """Within it, notes and cuts are not counted: for input read a second
    time (a message of a large mbox, decoded again when its turn comes)."""

    def __enter__(self):
        _muted[0] += 1

    def __exit__(self, *exc):
        _muted[0] -= 1


def take_notes() -> list[str]:
    out = list(_notes)
    for what, (count, first) in _cuts.items():
        at = f" (the first at input line {first})" if first else ""
        out.append(f"{count} {what}{'s' if count != 1 else ''} cut for analysis{at}")
    _notes.clear()
    _cuts.clear()
    return out


def count_cut(what: str, line: int | None) -> None:
    """One more ``what`` (e.g. "line over 4096 characters") was cut."""
    if _muted[0]:
        return
    entry = _cuts.setdefault(what, [0, line])
    entry[0] += 1


def cut_line(text: str, where: str = "") -> str:
    """``text`` cut to MAX_LINE_CHARS, with a note naming ``where``."""
    if len(text) <= MAX_LINE_CHARS:
        return text
    if where:
        note(f"{where}: a line of {len(text)} characters was cut to {MAX_LINE_CHARS} "
             "for analysis")
    return text[:MAX_LINE_CHARS]


class BudgetExceeded(BaseException):
    """Raised in the main thread when a patch's analysis outlives its budget.
    A BaseException, so that no ``except Exception`` in a kind swallows it."""


_shield = [0, False]        # [depth, a budget ran out meanwhile]


class shielded:
    """Within it, a patch budget that runs out does not interrupt: it is
    raised on leaving.  For calls into C that call back into Python
    (tree-sitter's read callback): an exception raised in the callback is
    not propagated by py-tree-sitter but left pending, and the parse ends
    in a SystemError.  What runs inside must be bounded by itself."""

    def __enter__(self):
        _shield[0] += 1

    def __exit__(self, exc_type, *_):
        _shield[0] -= 1
        if not _shield[0] and _shield[1]:
            _shield[1] = False
            if exc_type is None:
                raise BudgetExceeded()


_unbilled = [0.0]           # CPU seconds spent in unbilled() so far


def unbilled(fn):
    """``fn()``, its CPU time not counted to the patch budget running (its
    timer paused meanwhile): for work a rule triggers that the views would
    otherwise have done before any rule ran (parsing a hunk's pre-image
    when a rule first reads it), which must not cost a patch its findings.
    What runs here must be bounded by itself (a parse has its own limit)."""
    import time

    signal = _signals()
    left = 0.0
    if hasattr(signal, "getitimer"):
        left = signal.getitimer(signal.ITIMER_PROF)[0]
        if left:
            signal.setitimer(signal.ITIMER_PROF, 0)
    t0 = time.process_time()
    try:
        return fn()
    finally:
        _unbilled[0] += time.process_time() - t0
        if left:
            signal.setitimer(signal.ITIMER_PROF, left)


class PatchBudget:
    """Seconds of analysis each patch may take (``PATCH_BUDGET_S``), summed
    over the rules.  ``run(key, fn)`` calls ``fn()`` under what is left of
    ``key``'s budget; past it ``fn`` is interrupted (SIGPROF, main thread
    only; elsewhere the budget is checked between calls) and ``key`` is
    marked spent: later calls for it are skipped.  The seconds are CPU
    seconds of this process (ITIMER_PROF): on a busy machine a patch gets
    the same analysis, and so the same findings, as on an idle one.

    Used as a context manager, the SIGPROF handler is installed once for
    the block (and the previous one put back after it) instead of around
    every call: ``signal.signal`` costs ~3 us, and a 200-patch check makes
    ~5,000 calls."""

    def __init__(self, seconds: float | None = None):
        self.seconds = PATCH_BUDGET_S if seconds is None else seconds
        self.used: dict = {}
        self.spent: set = set()
        self._held: list = []       # the previous handlers, one per block holding SIGPROF
        self._entered: list = []    # per block entered: whether it holds SIGPROF

    def __enter__(self) -> PatchBudget:
        signal = _signals()

        held = False
        if hasattr(signal, "setitimer"):
            try:
                self._held.append(signal.signal(signal.SIGPROF, _ring))
                held = True
            except ValueError:          # not the main thread: no signals here
                pass
        self._entered.append(held)
        return self

    def __exit__(self, *exc) -> None:
        if self._entered.pop():
            signal = _signals()

            old = self._held.pop()
            signal.signal(signal.SIGPROF, signal.SIG_DFL if old is None else old)

    def run(self, key, fn, scale: int = 1):
        signal = _signals()
        import time

        if key in self.spent:
            return None
        left = self.seconds * scale - self.used.get(key, 0.0)
        if left <= 0:
            self.spent.add(key)
            return None
        alarm = bool(self._held)
        old = None
        if not alarm and hasattr(signal, "setitimer"):
            try:
                old = signal.signal(signal.SIGPROF, _ring)
                alarm = True
            except ValueError:          # not the main thread: no signals here
                pass
        if alarm:
            signal.setitimer(signal.ITIMER_PROF, max(left, 1e-3))   # 0 would disarm it
        t0, free0 = time.process_time(), _unbilled[0]
        try:
            return fn()
        except BudgetExceeded:
            self.spent.add(key)
            return None
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_PROF, 0)
                if not self._held:
                    signal.signal(signal.SIGPROF, signal.SIG_DFL if old is None else old)
            spent = time.process_time() - t0 - (_unbilled[0] - free0)
            self.used[key] = self.used.get(key, 0.0) + spent
            if self.used[key] >= self.seconds * scale:
                self.spent.add(key)


def _ring(signum, frame):
    """SIGPROF: a patch budget ran out."""
    if _shield[0]:
        _shield[1] = True       # raised when the shielded call returns
        return
    raise BudgetExceeded()


def _signals():
    """The signal functions: CPython's built-in ``_signal``, which the
    ``signal`` module re-exports with its constants wrapped in enums
    (importing ``signal`` builds three IntEnums: ~0.7 ms of a one-patch
    check); ``signal`` itself where there is no ``_signal``."""
    try:
        import _signal as signal
    except ImportError:               # pragma: no cover - not CPython
        import signal
    return signal
