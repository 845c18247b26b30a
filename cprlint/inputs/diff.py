"""Diff text -> list[FileDiff], parsed file by file with unidiff.

Each file (from one ``diff --git`` line to the next) is repaired and parsed
on its own, so an error can name the file and the input line.  Mail-client
wraps are undone hunk by hunk (see unwrap.py) before unidiff sees the text;
every HunkLine keeps the input line of its (first) physical line.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..errors import InputError
from ..records import Record
from ..untrusted import without_controls
from .lines import SrcLine
from .series import FileDiff, Hunk, HunkLine, Repair
from .unwrap import UnwrapError, unwrap_hunk

_GIT_PATHS = lazyre.compile(r'^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$')

HUNK_HEADER = lazyre.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_GIT_HEADER_PREFIXES = (
    "diff --git ", "index ", "--- ", "+++ ", "old mode ", "new mode ", "deleted file mode ",
    "new file mode ", "similarity index ", "dissimilarity index ", "rename from ", "rename to ",
    "copy from ", "copy to ", "Binary files ", "GIT binary patch",
)
_INDEX_LINE = lazyre.compile(r"^index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)")


class ParsedDiff(Record):
    """The file diffs of a patch and the line wraps undone in them."""

    files: list[FileDiff]
    repairs: list[Repair]
    cut: str  # what MAX_PATCH_HUNKS / MAX_PATCH_LINES left out ('' if nothing)

    def __init__(self, files=None, repairs=None, cut="") -> None:
        self.files = [] if files is None else files
        self.repairs = [] if repairs is None else repairs
        self.cut = cut


def find_diff_start(lines: list[SrcLine], start: int = 0) -> int | None:
    """Index of the first ``diff --git`` line, else of a ``---``/``+++``/``@@`` triple."""
    for i in range(start, len(lines)):
        if lines[i].text.startswith("diff --git "):
            return i
    for i in range(start, len(lines) - 2):
        if (lines[i].text.startswith("--- ") and lines[i + 1].text.startswith("+++ ")
                and lines[i + 2].text.startswith("@@ -")):
            return i
    return None


def unquote_git_path(p: str) -> str:
    """``"a/migration/\\303\\244.c"`` -> ``a/migration/ä.c`` (escapes are UTF-8 bytes)."""
    p = p.strip()
    if len(p) < 2 or not (p.startswith('"') and p.endswith('"')):
        return p
    body = p[1:-1]
    out = bytearray()
    i = 0
    simple = {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "a": b"\a", "b": b"\b",
              "f": b"\f", "r": b"\r", "v": b"\v"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if re.match(r"[0-7]{3}", body[i + 1:i + 4]):
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            if nxt in simple:
                out += simple[nxt]
                i += 2
                continue
        out += ch.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "replace")


def safe_path(p: str) -> str:
    """A path as reports may print it: control characters (a newline that git quoted
    as ``\\n``, a tab, an escape) become '?', so one finding stays one line."""
    return without_controls(p)


def _strip_prefix(p: str) -> str | None:
    p = safe_path(unquote_git_path(p))
    if p == "/dev/null":
        return None
    if p[:2] in ("a/", "b/"):
        return p[2:]
    return p


def _split_files(lines: list[SrcLine]) -> list[list[SrcLine]]:
    git = any(ln.text.startswith("diff --git ") for ln in lines)
    starts = []
    for i, ln in enumerate(lines):
        if git:
            if ln.text.startswith("diff --git "):
                starts.append(i)
        elif (ln.text.startswith("--- ") and i + 1 < len(lines)
              and lines[i + 1].text.startswith("+++ ")):
            starts.append(i)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]


def _where(ln: SrcLine) -> str:
    return f"line {ln.input_line}" if ln.input_line is not None else "a line"


def _within_caps(chunks: list[list[SrcLine]]) -> tuple[list[list[SrcLine]], str]:
    """The file chunks up to MAX_PATCH_HUNKS hunks and MAX_PATCH_LINES lines,
    the last one cut at a hunk header; and what was left out ('' if nothing).
    Counted before parsing, so a hostile patch costs no more than the caps."""
    from ..limits import MAX_PATCH_HUNKS, MAX_PATCH_LINES

    hunks = lines = 0
    for i, chunk in enumerate(chunks):
        head = None                   # index of the hunk header being counted
        for j, ln in enumerate(chunk):
            lines += 1
            is_head = ln.text.startswith("@@")
            hunks += is_head
            if hunks <= MAX_PATCH_HUNKS and lines <= MAX_PATCH_LINES:
                head = j if is_head else head
                continue
            total_h = sum(1 for c in chunks for x in c if x.text.startswith("@@"))
            where = f"input line {ln.input_line}" if ln.input_line else "a hunk"
            what = (f"{total_h} hunks, {sum(map(len, chunks))} diff lines: only "
                    f"the first {MAX_PATCH_HUNKS} hunks and {MAX_PATCH_LINES} lines "
                    f"are analysed; from {where} ({_name_guess(chunk[0].text)}) on, "
                    "not checked")
            kept = chunk[:j]
            if head is not None and not is_head:
                # cut inside a hunk: its header counts what is kept of it,
                # unless the whole hunk does not hold what its header says
                # (wrapped or corrupt: judged whole, as without the cap)
                end = next((k for k in range(j, len(chunk))
                            if chunk[k].text.startswith("@@")), len(chunk))
                if _recounted(chunk[head], chunk[head + 1:end]) != chunk[head].text:
                    kept = chunk[:end]
                else:
                    kept[head] = SrcLine(_recounted(kept[head], kept[head + 1:]),
                                         kept[head].input_line, kept[head].width)
            # ``head``: a hunk of this file was kept, else only its header lines
            return chunks[:i] + ([kept] if head is not None else []), what
    return chunks, ""


def _recounted(header: SrcLine, body: list[SrcLine]) -> str:
    """The text of ``header`` with the line counts of ``body`` (the same
    text when they agree; a header that is not one is returned as is)."""
    m = HUNK_HEADER.match(header.text)
    if not m:
        return header.text
    old = sum(1 for x in body if x.text[:1] in (" ", "-") or not x.text)
    new = sum(1 for x in body if x.text[:1] in (" ", "+") or not x.text)
    if old == int(m.group(2) or 1) and new == int(m.group(4) or 1):
        return header.text
    return f"@@ -{m.group(1)},{old} +{m.group(3)},{new} @@{header.text[m.end():]}"


def parse_diff(path: str, lines: list[SrcLine]) -> ParsedDiff:
    result = ParsedDiff()
    chunks, result.cut = _within_caps(_split_files(lines))
    for chunk in chunks:
        if not chunk or not any(ln.text.strip() for ln in chunk):
            continue
        fd, repairs = _parse_file(path, chunk)
        if fd is not None:
            result.files.append(fd)
        result.repairs.extend(repairs)
    return result


def _parse_file(path: str, chunk: list[SrcLine]) -> tuple[FileDiff | None, list[Repair]]:
    first = chunk[0]
    name = _name_guess(first.text)
    repairs: list[Repair] = []
    out: list[SrcLine] = []          # repaired text handed to unidiff, one entry per line

    # 1. extended header lines up to the first hunk header
    i = 0
    binary = False
    while i < len(chunk) and not HUNK_HEADER.match(chunk[i].text):
        ln = chunk[i]
        if binary:
            i += 1                   # binary patch data: not for unidiff
            continue
        if ln.text.startswith(_GIT_HEADER_PREFIXES) or i == 0:
            out.append(SrcLine(ln.text, ln.input_line, ln.width))
            if ln.text.startswith(("GIT binary patch", "Binary files ")):
                binary = True
        elif not ln.text.strip():
            pass                     # blank line between files
        elif out:
            out[-1].text += ln.text  # a wrapped header line (long path)
            if ln.input_line is not None and out[-1].input_line is not None:
                repairs.append(Repair(ln.input_line, chunk[i - 1].input_line))
        i += 1

    # 2. hunks: each header owns the lines up to the next header
    heads = [j for j in range(i, len(chunk)) if HUNK_HEADER.match(chunk[j].text)]
    hunk_meta: list[SrcLine] = []
    for k, h in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(chunk)
        m = HUNK_HEADER.match(chunk[h].text)
        old_n = int(m.group(2)) if m.group(2) is not None else 1
        new_n = int(m.group(4)) if m.group(4) is not None else 1
        try:
            un = unwrap_hunk(chunk[h], chunk[h + 1:end], old_n, new_n)
        except UnwrapError as exc:
            hl = chunk[h].input_line
            where = f"hunk at line {hl}" if hl is not None else f"hunk {k + 1}"
            if exc.kind == "ambiguous" and "without guessing" in str(exc):
                msg = f"{name}: cannot repair line-wrapped {where} without guessing"
            else:
                msg = f"{name}: {where} {exc}"
            raise InputError(path, msg, hl) from None
        for cont, onto in un.joins:
            if cont is not None and onto is not None:
                repairs.append(Repair(cont, onto))
        out.append(un.header)
        hunk_meta.append(un.header)
        out.extend(un.lines)

    # 3. unidiff on this one file
    from unidiff import PatchSet
    from unidiff.errors import UnidiffParseError

    text = "".join(ln.text + "\n" for ln in out)
    try:
        ps = PatchSet(text)
    except UnidiffParseError as exc:
        raise InputError(path, f"{name}: corrupt diff ({exc})", first.input_line) from None
    except Exception as exc:     # never let a parser bug escape as a crash
        raise InputError(path, f"{name}: cannot parse diff ({exc})", first.input_line) from None
    if len(ps) == 0:
        if not heads and first.text.startswith("diff --git "):
            # mode-only change and the like: keep it, with no hunks
            return _header_only(first, out), repairs
        raise InputError(path, f"{name}: not a diff", first.input_line)
    pf = ps[0]

    fd = FileDiff(
        old_path=_strip_prefix(pf.source_file) if pf.source_file else None,
        new_path=_strip_prefix(pf.target_file) if pf.target_file else None,
        is_binary=bool(pf.is_binary_file),
        is_rename=bool(pf.is_rename),
        header_input_line=first.input_line,
    )
    if first.text.startswith("diff --git ") and fd.old_path is None and fd.new_path is None:
        fd.old_path, fd.new_path = _paths_from_git_line(first.text)
    for ln in out:
        mi = _INDEX_LINE.match(ln.text)
        if mi:
            fd.old_blob, fd.new_blob = mi.group(1), mi.group(2)
            if set(fd.old_blob) == {"0"}:
                fd.old_path = None if pf.is_added_file else fd.old_path
            break
    if pf.is_added_file:
        fd.old_path = None
    if pf.is_removed_file:
        fd.new_path = None

    for hk, meta in zip(pf, hunk_meta):
        hunk = Hunk(
            source_start=hk.source_start, source_length=hk.source_length,
            target_start=hk.target_start, target_length=hk.target_length,
            section=(hk.section_header or "").replace("\r", "").strip(),
            lines=[], header_input_line=meta.input_line,
        )
        for line in hk:
            if line.line_type == "\\" and hunk.lines:
                hunk.lines[-1].no_eol = True     # '\\ No newline at end of file'
                continue
            if line.line_type not in (" ", "+", "-"):
                continue
            idx = (line.diff_line_no or 0) - 1
            il = out[idx].input_line if 0 <= idx < len(out) else None
            value = line.value[:-1] if line.value.endswith("\n") else line.value
            hunk.lines.append(HunkLine(
                kind=line.line_type, text=value,
                old_no=line.source_line_no, new_no=line.target_line_no, input_line=il,
            ))
        fd.hunks.append(hunk)
    return fd, repairs


def _name_guess(header: str) -> str:
    if header.startswith("diff --git "):
        old, new = _paths_from_git_line(header)
        return new or old or header[11:]
    if header.startswith("--- "):
        return safe_path(header[4:].split("\t")[0].strip())
    return "diff"


def _paths_from_git_line(header: str) -> tuple[str | None, str | None]:
    rest = header[len("diff --git "):].strip()
    m = _GIT_PATHS.match(rest)
    if m:
        return _strip_prefix(m.group(1)), _strip_prefix(m.group(2))
    # unquoted paths with spaces: split in the middle at " b/"
    k = rest.find(" b/")
    if k > 0:
        return _strip_prefix(rest[:k]), _strip_prefix(rest[k + 1:])
    return None, None


def _header_only(first: SrcLine, out: list[SrcLine]) -> FileDiff:
    old, new = _paths_from_git_line(first.text)
    fd = FileDiff(old_path=old, new_path=new, header_input_line=first.input_line)
    for ln in out:
        if ln.text.startswith(("rename from ", "copy from ")):
            fd.is_rename = ln.text.startswith("rename")
        if ln.text.startswith("new file mode"):
            fd.old_path = None
        if ln.text.startswith("deleted file mode"):
            fd.new_path = None
    return fd
