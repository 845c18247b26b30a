"""Tie it up: input paths -> Series.

For each input: read bytes (reader), split and decode mails (mail), parse
subjects (subject) and bodies (message); skip replies; group the patches by
(version, total) and keep the newest; then parse the chosen patches' diffs
(diff, unwrap).  An input with no original patch may be a reply that quotes
one (quoted).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import InputError
from .diff import find_diff_start, parse_diff
from .lines import SrcLine, number_lines
from .mail import Mail, RawMessage, decode_bytes, decode_message, looks_like_headers, \
    split_lines, split_mbox
from .message import PatchBody, split_body
from .quoted import find_quoted_patch
from .reader import read_input
from .series import Patch, Series, SkippedFile
from .subject import SubjectInfo, parse_subject

NO_PATCH = "no patch found: not an mbox, mail or diff"


@dataclass
class _Candidate:
    """A patch found in the input, before versions and duplicates are sorted out."""

    patch: Patch
    body: PatchBody
    has_index: bool
    order: int


def load_series(paths: list[str], stdin: "BinaryIO | None" = None) -> Series:
    """Read every input and return the series to check.  Raises InputError only."""
    series = Series(inputs=list(paths))
    cands: list[_Candidate] = []
    for path in paths:
        try:
            cands.extend(_load_path(path, stdin, series, len(cands)))
        except InputError:
            raise
        except RecursionError:
            raise InputError(path, "input too deeply nested to read") from None
        except Exception as exc:         # a bug must still not crash on user input
            raise InputError(path, f"cannot read input ({type(exc).__name__}: {exc})") from None
    _select(series, cands)
    for p in ([series.cover] if series.cover else []) + series.patches:
        _parse_patch_diff(p, cands)
    _check_something_to_do(series)
    _fill_skipped(series)
    return series


# -- one input ---------------------------------------------------------------

def _load_path(path: str, stdin, series: Series, order0: int) -> list[_Candidate]:
    data = read_input(path, stdin)
    lines = split_lines(data)
    msgs = split_mbox(lines)
    if msgs is None:
        start = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
        if looks_like_headers(lines, start):
            msgs = [RawMessage(lines[start:], start + 1, start + 1)]
        else:
            return _load_bare(path, data, order0)

    out: list[_Candidate] = []
    replies: list[tuple[Mail, SubjectInfo, RawMessage]] = []
    plain_mails: list[tuple[Mail, SubjectInfo, RawMessage]] = []
    for raw in msgs:
        mail = decode_message(path, raw)
        info = parse_subject(mail.subject)
        if info.is_reply:
            series.replies_skipped += 1
            replies.append((mail, info, raw))
            continue
        body = split_body(mail.body)
        is_cover = info.has_index and info.index == 0
        if not is_cover and not body.diff and not info.is_patch_like:
            plain_mails.append((mail, info, raw))
            continue
        out.append(_Candidate(_patch_from_mail(path, mail, info, raw, body), body,
                              info.has_index, order0 + len(out)))
    if any(not c.patch.is_cover for c in out):
        series.messages_skipped += len(plain_mails)
        return out

    # no original patch here: a reply (or plain mail) that quotes one?
    for mail, info, raw in replies + plain_mails:
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

def _select(series: Series, cands: list[_Candidate]) -> None:
    if not cands:
        return
    if len(cands) > 1 and not any(c.has_index for c in cands):
        for k, c in enumerate(cands, 1):      # several 1/1 files: number them by order
            c.patch.index, c.patch.total = k, len(cands)
    groups: dict[tuple[int, int], list[_Candidate]] = {}
    for c in cands:
        groups.setdefault((c.patch.version, c.patch.total), []).append(c)
    best = max(groups, key=lambda k: (k[0], len(groups[k]), k[1]))
    series.versions_skipped = sorted({v for (v, _t) in groups if v != best[0]})
    chosen = sorted(groups[best], key=lambda c: (c.patch.index, c.order))
    by_index: dict[int, list[_Candidate]] = {}
    for c in chosen:
        same = by_index.setdefault(c.patch.index, [])
        # a later resend (same subject) replaces an earlier one; a cover letter too
        same[:] = [o for o in same
                   if c.patch.index != 0 and _norm_subject(o.patch) != _norm_subject(c.patch)]
        same.append(c)
    clash = [idx for idx, cs in by_index.items() if len(cs) > 1]
    if clash:
        if best[1] != 1:
            # two different patches claim the same k/n: which one belongs to the series?
            c = by_index[clash[0]][1]
            raise InputError(c.patch.input_path,
                             f"two different patches are both [PATCH {clash[0]}/{best[1]}] "
                             f"(\"{_norm_subject(by_index[clash[0]][0].patch)}\" and "
                             f"\"{_norm_subject(c.patch)}\"); give one series at a time",
                             c.patch.input_line)
        # several independent [PATCH 1/1] mails: number them in the order given
        singles = sorted((c for idx, cs in by_index.items() if idx != 0 for c in cs),
                         key=lambda c: c.order)
        for k, c in enumerate(singles, 1):
            c.patch.index, c.patch.total = k, len(singles)
        by_index = {0: by_index[0]} if 0 in by_index else {}
        for c in singles:
            by_index[c.patch.index] = [c]
    for idx in sorted(by_index):
        p = by_index[idx][-1].patch
        if idx == 0:
            series.cover = p
        else:
            series.patches.append(p)


def _norm_subject(p: Patch) -> str:
    return " ".join((p.subject or "").lower().split())


def _parse_patch_diff(p: Patch, cands: list[_Candidate]) -> None:
    body = next(c.body for c in cands if c.patch is p)
    if not body.diff:
        return
    parsed = parse_diff(p.input_path, body.diff)
    p.files = parsed.files
    p.repairs = parsed.repairs
    if parsed.cut:
        from ..limits import note

        note(f"{p.input_path}: patch {p.label()}: {parsed.cut}")


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
