"""Tie it up: input paths -> Series.

For each input: read bytes (reader), split and decode mails (mail), parse
subjects (subject) and bodies (message); skip replies; group the patches by
(version, total) and keep the newest; then parse the chosen patches' diffs
(diff, unwrap).  An input with no original patch may be a reply that quotes
one (quoted).
"""

from __future__ import annotations

import os
from typing import BinaryIO

from ..errors import InputError
from .diff import find_diff_start, parse_diff
from .lines import SrcLine, number_lines
from .mail import Mail, RawMessage, decode_bytes, decode_message, looks_like_headers, \
    split_lines, split_mbox
from .message import PatchBody, split_body
from .reader import checked, read_input, read_stdin
from .series import Patch, Series, SkippedFile
from .stream import Source, Span, messages, starts_as_mbox
from .subject import SubjectInfo, parse_subject

STREAM_ABOVE_BYTES = 2 * 1024 * 1024   # a larger mbox is read as it goes (or packed)

NO_PATCH = "no patch found: not an mbox, mail or diff"


class _Candidate:
    """A patch found in the input, before versions and duplicates are sorted
    out: its numbers and subject, and either the patch and body decoded or,
    in a large mbox, where to read the message again (``materialise``)."""

    __slots__ = ("version", "total", "index", "subject", "input_path", "input_line",
                 "has_index", "order", "size", "patch", "body", "source", "span")

    def __init__(self, patch: Patch, body: PatchBody | None, has_index: bool, order: int,
                 size: int = 0):
        self.version, self.total, self.index = patch.version, patch.total, patch.index
        self.subject = _norm_subject(patch)
        self.input_path, self.input_line = patch.input_path, patch.input_line
        self.has_index, self.order, self.size = has_index, order, size
        self.patch: Patch | None = patch
        self.body = body
        self.source: Source | None = None
        self.span: Span | None = None

    def let_go(self, source: Source, span: Span) -> None:
        """Keep only where the message is; ``materialise`` reads it again."""
        self.patch = self.body = None
        self.source, self.span = source, span

    def materialise(self) -> tuple[Patch, PatchBody | None]:
        if self.patch is not None:
            patch, body = self.patch, self.body
        else:
            from ..limits import muted

            raw = self.span.message(self.source)
            with muted():               # its cut headers were counted when it was first read
                mail = decode_message(self.input_path, raw)
                body = split_body(mail.body)
                patch = _patch_from_mail(self.input_path, mail, parse_subject(mail.subject),
                                         raw, body)
        patch.index, patch.total = self.index, self.total
        return patch, body


class SeriesPlan:
    """The series an input holds, chosen (versions, resends, cover) but not
    yet decoded in full: ``load_all`` gives the whole Series, ``windows`` the
    same patches a slice at a time, so that a very long mbox is never held
    whole."""

    def __init__(self, series: Series, cover: _Candidate | None, chosen: list[_Candidate]):
        self.series = series            # inputs and counts; no patches yet
        self._cover = cover
        self._chosen = chosen
        self._cover_patch: Patch | None = None

    @property
    def count(self) -> int:
        return len(self._chosen)

    @property
    def streamed(self) -> bool:
        """Its messages are read again when their turn comes (a large input)."""
        return any(c.span is not None for c in self._chosen)

    @property
    def size(self) -> int:
        """Bytes of the chosen messages."""
        return sum(c.size for c in self._chosen)

    def load_all(self) -> Series:
        try:
            series = self._window(self._chosen)
        finally:
            self._close()
        _check_something_to_do(series)
        return series

    def _close(self) -> None:
        for c in self._chosen + ([self._cover] if self._cover else []):
            if c.source is not None:
                c.source.close()

    def windows(self, max_patches: int, max_bytes: int):
        """Series of consecutive patches, each at most ``max_patches`` long
        and ``max_bytes`` of mail (at least one patch), the cover in each.
        Raises InputError at the end when every file of every patch was a
        binary diff, as ``load_all`` does at once."""
        try:
            yield from self._windows(max_patches, max_bytes)
        finally:
            self._close()

    def _windows(self, max_patches: int, max_bytes: int):
        start, any_text, any_file = 0, False, False
        while start < len(self._chosen):
            end, size = start, 0
            while end < len(self._chosen) and end - start < max_patches and \
                    (end == start or size + self._chosen[end].size <= max_bytes):
                size += self._chosen[end].size
                end += 1
            series = self._window(self._chosen[start:end])
            files = [f for p in series.patches for f in p.files]
            any_file = any_file or bool(files)
            any_text = any_text or any(not f.is_binary for f in files)
            files = None
            yield series
            series = None           # this frame must not hold the window meanwhile
            start = end
        if any_file and not any_text:
            raise InputError(self._chosen[0].input_path, "only a binary diff; nothing to check")

    def _window(self, part: list[_Candidate]) -> Series:
        s = self.series
        series = Series(inputs=list(s.inputs), replies_skipped=s.replies_skipped,
                        versions_skipped=list(s.versions_skipped),
                        messages_skipped=s.messages_skipped)
        if self._cover is not None:
            if self._cover_patch is None:
                self._cover_patch = _again(self._cover)
            series.cover = self._cover_patch
        series.patches = []
        for c in part:
            series.patches.append(_again(c))
            c.patch = c.body = None         # the window's Series holds it now
        if not series.patches and series.cover is None:
            raise InputError(s.inputs[0] if s.inputs else "-", NO_PATCH)
        _fill_skipped(series)
        return series


def _again(c: _Candidate) -> Patch:
    """The candidate's patch with its diff parsed; errors are InputErrors
    naming the input, as in the first pass."""
    return _reading(c.input_path, lambda: _parsed(*c.materialise()), c.input_line)


def _reading(path: str, fn, line: int | None = None):
    """``fn()``, every way it fails on ``path``'s content an InputError."""
    try:
        return fn()
    except InputError:
        raise
    except RecursionError:
        raise InputError(path, "input too deeply nested to read") from None
    except Exception as exc:         # a bug must still not crash on user input
        raise InputError(path, f"cannot read input ({type(exc).__name__}: {exc})",
                         line) from None


def load_series(paths: list[str], stdin: "BinaryIO | None" = None) -> Series:
    """Read every input and return the series to check.  Raises InputError only."""
    return plan_series(paths, stdin).load_all()


def plan_series(paths: list[str], stdin: "BinaryIO | None" = None) -> SeriesPlan:
    """Read every input once and choose the series' patches; raises InputError only."""
    series = Series(inputs=list(paths))
    cands: list[_Candidate] = []
    for path in paths:
        cands.extend(_reading(path, lambda: _load_path(path, stdin, series, len(cands))))
    cover, chosen = _select(series, cands)
    if not chosen and cover is None:
        raise InputError(paths[0] if paths else "-", NO_PATCH)
    return SeriesPlan(series, cover, chosen)


# -- one input ---------------------------------------------------------------

def _open(path: str, stdin) -> tuple[Source, bool]:
    """The input as a Source, and whether it is an mbox: a large plain mbox
    file is read as it goes, a large standard input kept compressed;
    anything else (gzip, a single mail or diff) as bytes."""
    from .. import limits

    if path == "-":
        got = read_stdin(stdin, pack_above=STREAM_ABOVE_BYTES)
        if isinstance(got, bytes):
            return _held(path, checked(path, got))
        source = Source(path, got)
        if got.piece(0)[:2] != b"\x1f\x8b" and starts_as_mbox(source):
            return source, True
        return _held(path, checked(path, got.whole()))
    if os.path.isfile(path):
        try:
            size = os.path.getsize(path)
            with open(path, "rb") as f:
                magic = f.read(2)
        except OSError:
            size, magic = 0, b""
        if STREAM_ABOVE_BYTES < size <= limits.MAX_INPUT_BYTES and magic != b"\x1f\x8b":
            source = Source(path)
            if starts_as_mbox(source):
                return source, True
    return _held(path, read_input(path, stdin))


def _held(path: str, data: bytes) -> tuple[Source, bool]:
    source = Source(path, data)
    return source, starts_as_mbox(source)


def _load_path(path: str, stdin, series: Series, order0: int) -> list[_Candidate]:
    source, is_mbox = _open(path, stdin)
    keep = source.size() <= STREAM_ABOVE_BYTES      # small: keep what was decoded
    if is_mbox:
        msgs = messages(source)
    else:
        data = source.data          # (only an mbox is read from the file as it goes)
        lines = split_lines(data)
        start = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
        if not looks_like_headers(lines, start):
            return _load_bare(path, data, order0)
        msgs = iter([(RawMessage(lines[start:], start + 1, start + 1), None)])
        keep = True

    out: list[_Candidate] = []
    replies: list = []           # (mail, info, raw) kept, or the Span to read again
    plain_mails: list = []
    for raw, span in msgs:
        mail = decode_message(path, raw)
        info = parse_subject(mail.subject)
        if info.is_reply:
            series.replies_skipped += 1
            replies.append((mail, info, raw) if keep else span)
            continue
        body = split_body(mail.body)
        is_cover = info.has_index and info.index == 0
        if not is_cover and not body.diff and not info.is_patch_like:
            plain_mails.append((mail, info, raw) if keep else span)
            continue
        cand = _Candidate(_patch_from_mail(path, mail, info, raw, body), body,
                          info.has_index, order0 + len(out),
                          span.end - span.start if span is not None else source.size())
        if not keep:
            cand.let_go(source, span)
        out.append(cand)
    if any(c.index != 0 for c in out):
        series.messages_skipped += len(plain_mails)
        return out

    # no original patch here: a reply (or plain mail) that quotes one?
    for item in replies + plain_mails:
        if isinstance(item, Span):
            from ..limits import muted

            raw = item.message(source)
            with muted():               # its cuts were counted when it was first read
                mail = decode_message(path, raw)
            info = parse_subject(mail.subject)
        else:
            mail, info, raw = item
        from .quoted import find_quoted_patch     # (a reply quoting a patch: rare)

        qp = find_quoted_patch(mail.body)
        if qp is None:
            continue
        body = split_body(qp.lines)
        if not body.diff:
            continue
        if info.is_reply:
            series.replies_skipped -= 1
        p = _patch_from_mail(path, mail, info, raw, body)
        p.author, p.date = qp.author, qp.date
        p.quoted, p.quote_depth = True, qp.depth
        if not mail.message_id:
            p.message_id, p.message_id_synthesised = _synth_id(p), True
        out.append(_Candidate(p, body, info.has_index, order0 + len(out)))
        return out
    if out:
        return out                       # a lone cover letter
    if replies:
        raise InputError(path, f"no patch found: only replies ({len(replies)}) and none "
                               "quotes a diff")
    raise InputError(path, "no patch found: the mail holds no diff")


def _load_bare(path: str, data: bytes, order0: int) -> list[_Candidate]:
    text = decode_bytes(path, data, None, 1)
    crlf = "\r\n" in text
    text = text.replace("\r\n", "\n")
    lines = number_lines(text, 1)
    name = "<stdin>" if path == "-" else os.path.basename(path)
    if find_diff_start(lines) is not None and not _only_quoted_diff(lines):
        body = split_body(lines)
        p = Patch(subject=name, raw_subject=name, input_path=path, input_line=1,
                  crlf_repaired=crlf, commit_message=body.commit_message,
                  trailers=body.trailers, trailer_lines=body.trailer_lines,
                  message_lines=[ln.input_line for ln in body.message_lines],
                  author_line=body.author_line, author=body.author, date=body.date,
                  base_commit=body.base_commit)
        p.message_id, p.message_id_synthesised = _synth_id(p, text), True
        return [_Candidate(p, body, False, order0)]
    from .quoted import find_quoted_patch

    qp = find_quoted_patch(lines)
    if qp is not None:
        body = split_body(qp.lines)
        if body.diff:
            p = Patch(subject="", raw_subject="", author=qp.author, date=qp.date,
                      commit_message=body.commit_message, trailers=body.trailers,
                      quoted=True, quote_depth=qp.depth, input_path=path, input_line=1,
                      crlf_repaired=crlf)
            p.message_id, p.message_id_synthesised = _synth_id(p, text), True
            return [_Candidate(p, body, False, order0)]
    raise InputError(path, NO_PATCH)


def _only_quoted_diff(lines: list[SrcLine]) -> bool:
    return not any(ln.text.startswith(("diff --git ", "--- ", "@@ ")) for ln in lines)


def _patch_from_mail(path: str, mail: Mail, info: SubjectInfo, raw: RawMessage,
                     body: PatchBody) -> Patch:
    p = Patch(
        subject=info.subject, raw_subject=info.raw, version=info.version,
        index=info.index, total=info.total, tags=list(info.tags),
        author=body.author or mail.author, date=body.date or mail.date,
        message_id=mail.message_id, in_reply_to=mail.in_reply_to,
        references=list(mail.references), to=mail.to, cc=mail.cc,
        commit_message=body.commit_message, trailers=list(body.trailers),
        trailer_lines=list(body.trailer_lines), author_line=body.author_line,
        message_lines=[ln.input_line for ln in body.message_lines],
        reply_to="" if body.author else mail.reply_to,
        original_from="" if body.author else mail.original_from,
        input_path=path, input_line=raw.first_line,
        crlf_repaired=mail.crlf, lines_exact=mail.exact_lines, base_commit=body.base_commit,
    )
    if not p.message_id:
        p.message_id, p.message_id_synthesised = _synth_id(p), True
    return p


def _synth_id(p: Patch, extra: str = "") -> str:
    """A stable Message-ID for a mail that has none (format-patch without
    --thread).  Two CRC-32s of the patch's identity: unique enough within a
    series, and zlib is loaded anyway (hashlib costs ~3 ms of start-up)."""
    import zlib

    data = "\0".join([p.raw_subject, p.author, p.date, extra]).encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(data):08x}{zlib.crc32(data[::-1]):08x}@cprlint.invalid"


# -- series ------------------------------------------------------------------

def _select(series: Series, cands: list[_Candidate]):
    """(cover, patches in series order): the newest version, resends replaced."""
    if not cands:
        return None, []
    if len(cands) > 1 and not any(c.has_index for c in cands):
        for k, c in enumerate(cands, 1):      # several 1/1 files: number them by order
            c.index, c.total = k, len(cands)
    groups: dict[tuple[int, int], list[_Candidate]] = {}
    for c in cands:
        groups.setdefault((c.version, c.total), []).append(c)
    best = max(groups, key=lambda k: (k[0], len(groups[k]), k[1]))
    series.versions_skipped = sorted({v for (v, _t) in groups if v != best[0]})
    chosen = sorted(groups[best], key=lambda c: (c.index, c.order))
    by_index: dict[int, list[_Candidate]] = {}
    for c in chosen:
        same = by_index.setdefault(c.index, [])
        # a later resend (same subject) replaces an earlier one; a cover letter too
        same[:] = [o for o in same if c.index != 0 and o.subject != c.subject]
        same.append(c)
    clash = [idx for idx, cs in by_index.items() if len(cs) > 1]
    if clash:
        if best[1] != 1:
            # two different patches claim the same k/n: which one belongs to the series?
            c = by_index[clash[0]][1]
            raise InputError(c.input_path,
                             f"two different patches are both [PATCH {clash[0]}/{best[1]}] "
                             f"(\"{by_index[clash[0]][0].subject}\" and "
                             f"\"{c.subject}\"); give one series at a time",
                             c.input_line)
        # several independent [PATCH 1/1] mails: number them in the order given
        singles = sorted((c for idx, cs in by_index.items() if idx != 0 for c in cs),
                         key=lambda c: c.order)
        for k, c in enumerate(singles, 1):
            c.index, c.total = k, len(singles)
        by_index = {0: by_index[0]} if 0 in by_index else {}
        for c in singles:
            by_index[c.index] = [c]
    cover = by_index[0][-1] if 0 in by_index else None
    return cover, [by_index[idx][-1] for idx in sorted(by_index) if idx != 0]


def _norm_subject(p: Patch) -> str:
    return " ".join((p.subject or "").lower().split())


def _parsed(p: Patch, body: PatchBody | None) -> Patch:
    """The patch with its diff parsed (files, repairs)."""
    if body is None or not body.diff:
        return p
    parsed = parse_diff(p.input_path, body.diff)
    p.files = parsed.files
    p.repairs = parsed.repairs
    if parsed.cut:
        from ..limits import note

        note(f"{p.input_path}: patch {p.label()}: {parsed.cut}")
    return p


def _check_something_to_do(series: Series) -> None:
    files = [f for p in series.patches for f in p.files]
    path = series.patches[0].input_path if series.patches else (
        series.inputs[0] if series.inputs else "-")
    if not series.patches and series.cover is None:
        raise InputError(path, NO_PATCH)
    if files and all(f.is_binary for f in files):
        raise InputError(path, "only a binary diff; nothing to check")


def _fill_skipped(series: Series) -> None:
    for p in series.patches:
        for f in p.files:
            reason = None
            if f.is_binary:
                reason = "binary"
            elif f.new_path is None:
                reason = "removed"
            elif f.is_rename and not f.hunks:
                reason = "rename only"
            elif not f.is_c:
                reason = "not C"
            if reason:
                series.skipped_files.append(SkippedFile(p, f.path, reason))
