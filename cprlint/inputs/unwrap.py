"""Undo mail-client line wraps inside one hunk, guided by the hunk's line counts.

A hunk header says how many old and new lines follow.  Mail clients wrap
long lines at a space, so one diff line becomes two physical lines and the
counts no longer add up.  We choose which physical lines are continuations
(joined onto the line before) so that the counts come out exact:

* a line that cannot start a diff line (not ' ', '+', '-', '\\', empty) must
  be a continuation (the first one may continue a wrapped hunk header);
* otherwise prefer (a) the fewest joins, then (b) joins after a physical line
  that ends with a space and is long (where a client wraps).

If the best choice is not unique, we refuse to guess.  A small dynamic
programme over (old, new) counts keeps this linear in the hunk size for the
usual handful of wraps.
"""

from __future__ import annotations

from ..records import Record
from .lines import SrcLine

WRAP_WIDTH = 60          # a wrapped line is at least about this long ...
WRAP_LIMIT = 72          # ... or the next word would have passed this column
MAX_EXCESS = 48          # more surplus lines than this: do not even try
SEARCH_BUDGET = 2_000_000  # lines x (excess+1)^2 above this: refuse rather than search


class UnwrapError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind          # "truncated" or "ambiguous"


class Unwrapped(Record):
    """A hunk with the mail client's line wraps joined back."""

    header: SrcLine                             # possibly with a wrapped section joined on
    lines: list[SrcLine]          # logical hunk lines (joined), input_line = first physical line
    joins: list[tuple[int | None, int | None]]  # (continuation line, line joined onto)
    used: int                     # physical lines consumed (the rest were blank trailing lines)

    def __init__(self, header, lines, joins, used) -> None:
        self.header = header
        self.lines = lines
        self.joins = joins
        self.used = used


def line_class(text: str) -> str:
    if text == "" or text[0] == " ":
        return "c"
    return {"+": "a", "-": "d", "\\": "n"}.get(text[0], "x")


def _good_wrap(prev: SrcLine, cur: SrcLine) -> bool:
    if not prev.text.endswith((" ", "\t")):
        return False
    first_word = cur.text.split(" ", 1)[0]
    return prev.width >= WRAP_WIDTH or prev.width + len(first_word) > WRAP_LIMIT


def unwrap_hunk(header: SrcLine, region: list[SrcLine], old_n: int, new_n: int) -> Unwrapped:
    cls = [line_class(ln.text) for ln in region]
    m = len(region)

    # Fast path: nothing to join and the counts fit (possibly with blank trailing lines).
    if "x" not in cls:
        o = n = 0
        for i, c in enumerate(cls):
            if o == old_n and n == new_n and all(not ln.text.strip() for ln in region[i:]):
                return Unwrapped(header, list(region[:i]), [], i)
            if c == "c":
                o, n = o + 1, n + 1
            elif c == "d":
                o += 1
            elif c == "a":
                n += 1
            if o > old_n or n > new_n:
                break
        else:
            if o == old_n and n == new_n:
                return Unwrapped(header, list(region), [], m)

    base_o = sum(1 for c in cls if c in "cd")
    base_n = sum(1 for c in cls if c in "ca")
    if base_o < old_n or base_n < new_n:
        raise UnwrapError("truncated", f"is truncated (expected {old_n} old / {new_n} new lines, "
                                       f"found at most {base_o} / {base_n})")
    excess = (base_o - old_n) + (base_n - new_n)
    if excess > MAX_EXCESS:
        raise UnwrapError("ambiguous", f"does not match its line counts (expected {old_n} old / "
                                       f"{new_n} new lines, found {base_o} / {base_n})")

    if m * (excess + 1) ** 2 > SEARCH_BUDGET:
        raise UnwrapError("ambiguous", "cannot repair line-wrapped hunk without guessing "
                                       f"({m} lines with {excess} surplus is too many to search)")

    # prefix baselines, to bound how far a state may fall behind
    pre_o = [0] * (m + 1)
    pre_n = [0] * (m + 1)
    for i, c in enumerate(cls):
        pre_o[i + 1] = pre_o[i] + (c in "cd")
        pre_n[i + 1] = pre_n[i] + (c in "ca")

    # states[i]: (o, n) -> (cost, ways) after physical lines [0, i); backs[i]
    # holds the back-pointers of the states of layer i only (those that survived).
    states: list[dict] = [{(0, 0): ((0, 0), 1)}]
    backs: list[dict] = [{}]
    for i in range(m):
        cur = states[-1]
        nxt: dict = {}
        back: dict = {}
        c = cls[i]
        ln = region[i]
        prev = header if i == 0 else region[i - 1]
        can_join = c != "n" and ln.text != ""
        good = _good_wrap(prev, ln)
        # what the remaining lines can still add, to drop states that cannot reach the target
        rest_o = pre_o[m] - pre_o[i + 1]
        rest_n = pre_n[m] - pre_n[i + 1]
        for (o, n), (cost, ways) in cur.items():
            options = []
            if c != "x":
                no, nn = o + (c in "cd"), n + (c in "ca")
                if no <= old_n and nn <= new_n:
                    options.append(((no, nn), cost, "s"))
            if can_join:
                options.append(((o, n), (cost[0] + 1, cost[1] + (0 if good else 1)), "j"))
            for key, ncost, act in options:
                lag = (pre_o[i + 1] - key[0]) + (pre_n[i + 1] - key[1])
                if lag > excess:
                    continue
                if key[0] + rest_o < old_n or key[1] + rest_n < new_n:
                    continue
                old = nxt.get(key)
                if old is None or ncost < old[0]:
                    nxt[key] = (ncost, ways)
                    back[key] = ((o, n), act)
                elif ncost == old[0]:
                    nxt[key] = (old[0], min(2, old[1] + ways))
        states.append(nxt)
        backs.append(back)
        if not nxt:
            break

    target = (old_n, new_n)
    best = None
    for e in range(len(states) - 1, -1, -1):
        if e < m and region[e].text.strip():
            break                      # only blank lines may be dropped at the end
        st = states[e].get(target)
        if st is None:
            continue
        if best is None or st[0] < best[1][0]:
            best = (e, st)
        elif st[0] == best[1][0]:
            best = (best[0], (st[0], 2))
    if best is None:
        raise UnwrapError("ambiguous", f"does not match its line counts (expected {old_n} old / "
                                       f"{new_n} new lines); cannot repair line-wrapped hunk")
    e, (cost, ways) = best
    if ways > 1:
        raise UnwrapError("ambiguous", "cannot repair line-wrapped hunk without guessing "
                                       "(several equally good ways to rejoin it)")

    # backtrack
    acts = [""] * e
    key = target
    for i in range(e, 0, -1):
        key, acts[i - 1] = backs[i][key]

    out: list[SrcLine] = []
    joins: list[tuple[int | None, int | None]] = []
    head = SrcLine(header.text, header.input_line, header.width)
    for i in range(e):
        ln = region[i]
        if acts[i] == "j":
            prev_phys = header if i == 0 else region[i - 1]
            joins.append((ln.input_line, prev_phys.input_line))
            tgt = head if not out else out[-1]
            tgt.text += ln.text
        else:
            out.append(SrcLine(ln.text, ln.input_line, ln.width))
    return Unwrapped(head, out, joins, e)
