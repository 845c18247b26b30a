"""``--format email``: an mbox of review replies, one per patch with findings,
plus one summary reply to the cover letter.  Nothing is sent.

Each reply quotes only the hunk lines around a finding (the file header once
per file, the hunk header, a few lines of context) and writes the finding
right under the quoted line it concerns, the way a reviewer does.  Unrelated
hunks are cut with ``[...]``.  Everything comes from the findings and the
Patch objects: no input is read again.
"""

from __future__ import annotations

import hashlib
import os
import re
import textwrap
from collections import Counter
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as _default_policy
from email.utils import format_datetime, getaddresses, parseaddr

from .. import __version__
from ..findings import Finding
from ..untrusted import split_addresses, without_controls
from . import plural as _plural

DEFAULT_FROM = "cprlint <cprlint@invalid>"   # .invalid (RFC 2606): never deliverable
CONTEXT = 3          # quoted lines above a finding
LONG_SPAN = 16       # a finding spanning more lines is quoted head and tail only
WIDTH = 72
CUT = "[...]"

# utf-8 body sent as 8bit, headers RFC 2047 encoded when needed and not folded
# (as b4 writes them), LF line ends
POLICY = _default_policy.clone(linesep="\n", max_line_length=None)


# -- public entry --------------------------------------------------------------

def render_email(findings: list[Finding], summary, opts=None) -> str:
    """The replies as one mbox, for reading (``git send-email`` sends one
    message per file: ``write_replies`` writes the files)."""
    sender, date, messages = _replies(findings, summary, opts)
    return "".join(_mbox_entry(m, sender, date) for m in messages)


def write_replies(findings: list[Finding], summary, opts, out_dir: str) -> list[str]:
    """One file per reply in ``out_dir``, named as ``git format-patch -o``
    names its files (``0001-Re-PATCH-1-3-subject.eml``), ready for
    ``git send-email out_dir/``.  Returns the paths written, in order."""
    sender, date, messages = _replies(findings, summary, opts)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for n, msg in enumerate(messages, 1):
        path = os.path.join(out_dir, f"{n:04d}-{_file_slug(str(msg['Subject'] or ''))}.eml")
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(_mbox_entry(msg, sender, date))
        paths.append(path)
    return paths


def _file_slug(subject: str) -> str:
    """git format-patch's file name for a subject: runs of anything but
    [A-Za-z0-9._] become one '-', no leading or trailing '-' or '.', at most
    64 characters."""
    slug = re.sub(r"[^A-Za-z0-9._]+", "-", subject)
    slug = re.sub(r"\.{2,}", ".", slug).strip("-.")[:64].rstrip("-.")
    return slug or "reply"


def _replies(findings: list[Finding], summary, opts):
    sender = (getattr(opts, "mail_from", None) or DEFAULT_FROM).strip()
    max_cc = getattr(opts, "max_cc", None)
    max_cc = MAX_CC if max_cc is None else max_cc
    date = _now()
    by_patch: dict[int, tuple] = {}
    loose: list[Finding] = []
    for f in findings:
        if f.patch is None:
            loose.append(f)
            continue
        by_patch.setdefault(id(f.patch), (f.patch, []))[1].append(f)
    patches = sorted(by_patch.values(), key=lambda pf: pf[0].index)

    messages = []
    for patch, pfindings in patches:
        body = _review_body(patch, pfindings)
        messages.append(_message(patch, body, sender, date, max_cc))
    series = getattr(summary, "series", None)
    if findings:
        target, body = _summary_body(findings, loose, series, [p for p, _ in patches])
        if target is not None:
            messages.append(_message(target, body, sender, date, max_cc))
    return sender, date, messages


# -- one review reply ----------------------------------------------------------

def _review_body(patch, findings: list[Finding]) -> str:
    out = [_attribution(patch)]
    placed: dict[int, list] = {}        # id(hunk) -> [(first, last, finding)]
    unplaced: list[Finding] = []
    for f in findings:
        spot = locate(patch, f)
        if spot is None:
            unplaced.append(f)
            continue
        fd, hunk, first, last = spot
        placed.setdefault(id(hunk), []).append((first, last, f))

    cut_pending = False
    for fd in patch.files:
        header_done = False
        for hunk in fd.hunks:
            spots = placed.get(id(hunk))
            if not spots:
                cut_pending = True
                continue
            if cut_pending and len(out) > 1:
                out += ["", CUT, ""]
            cut_pending = False
            if not header_done:
                out += [_quote(h) for h in _file_header(fd)]
                header_done = True
            out.append(_quote(_hunk_header(hunk)))
            out += _quote_hunk(hunk, sorted(spots, key=lambda s: (s[1], s[0], s[2].rule)))
            if _continues_after(hunk, spots):
                cut_pending = True
    if cut_pending and len(out) > 1:
        out += ["", CUT]
    for f in unplaced:
        where = f"{f.path}:{f.line}" if f.line else f.path
        out += ["", _wrap(f"Also, at {where} (not in the quoted diff):")]
        out += _finding_block(f)
    out += ["", "-- ", f"cprlint {__version__}, automated review of QEMU migration code.",
            "`cprlint explain RULE` shows a rule's invariant, rationale and examples."]
    return "\n".join(_squeeze_blank_lines(out)) + "\n"


def _continues_after(hunk, spots) -> bool:
    """True when the hunk goes on after the last quoted line (so it is cut)."""
    return max(last for _, last, _ in spots) < len(hunk.lines) - 1


def _quote_hunk(hunk, spots) -> list[str]:
    """Quote the windows around each finding of one hunk, findings under them."""
    out: list[str] = []
    printed = -1                        # index of the last hunk line quoted
    for first, last, f in spots:
        start = max(0, first - CONTEXT)
        if last > printed:
            if start > printed + 1 and printed >= 0:
                out += ["", CUT, ""]
            start = max(start, printed + 1)
            lines = list(range(start, last + 1))
            if last - first + 1 > LONG_SPAN:
                head = [i for i in lines if i < first + 4]
                tail = [i for i in lines if i > last - 3]
                out += [_quote(_diff_line(hunk.lines[i])) for i in head]
                out.append(_quote(CUT))
                out += [_quote(_diff_line(hunk.lines[i])) for i in tail]
            else:
                out += [_quote(_diff_line(hunk.lines[i])) for i in lines]
            printed = last
        elif out and out[-1] == "":
            out.pop()   # another finding on a line already answered: stack them
        out += _finding_block(f)
        out.append("")
    return out


def _finding_block(f: Finding) -> list[str]:
    head = f"{f.rule} ({f.severity}): {f.title}" if f.title else f"{f.rule} ({f.severity})"
    return ["", *_wrap(head).splitlines(), "", *_wrap(f.message).splitlines()]


def locate(patch, f: Finding):
    """(file, hunk, first, last): the hunk lines a finding's span covers.

    By the post-image line in the finding's file first, else by the input
    line (series- and input-level findings such as PATCH001 name the input)."""
    for fd in patch.files:
        if fd.path != f.path:
            continue
        for hunk in fd.hunks:
            idx = [i for i, ln in enumerate(hunk.lines)
                   if ln.new_no is not None and f.line <= ln.new_no <= max(f.end_line, f.line)]
            if idx:
                return fd, hunk, idx[0], idx[-1]
    if f.input_line:
        for fd in patch.files:
            for hunk in fd.hunks:
                for i, ln in enumerate(hunk.lines):
                    if ln.input_line == f.input_line and ln.kind != "-":
                        return fd, hunk, i, i
    return None


def _file_header(fd) -> list[str]:
    old = fd.old_path or fd.new_path
    new = fd.new_path or fd.old_path
    return [f"diff --git a/{old} b/{new}",
            f"--- a/{fd.old_path}" if fd.old_path else "--- /dev/null",
            f"+++ b/{fd.new_path}" if fd.new_path else "+++ /dev/null"]


def _hunk_header(h) -> str:
    def rng(start, length):
        return f"{start}" if length == 1 else f"{start},{length}"
    tail = f" {h.section}" if h.section else ""
    return f"@@ -{rng(h.source_start, h.source_length)} +{rng(h.target_start, h.target_length)} @@{tail}"


def _diff_line(ln) -> str:
    return ln.kind + ln.text


def _quote(line: str) -> str:
    return ("> " + line).rstrip()


def _attribution(patch) -> str:
    who = patch.author or "you"
    return f"On {patch.date}, {who} wrote:" if patch.date else f"{who} wrote:"


# -- the series summary ----------------------------------------------------------

def _summary_body(findings, loose, series, patches_with_findings):
    cover = getattr(series, "cover", None)
    all_patches = list(getattr(series, "patches", None) or patches_with_findings)
    target = cover
    if target is None and len(all_patches) > 1:
        target = all_patches[0]          # no cover letter: answer the first patch
    if target is None:
        return None, ""
    counts = Counter(f.severity for f in findings)
    sev = ", ".join(_plural(counts[s], s) for s in ("error", "warning", "info") if counts[s])
    out = [_attribution(target)]
    first_para = (target.commit_message or "").strip().split("\n\n")[0] if cover else ""
    if first_para:
        out += [_quote(line) for line in first_para.splitlines()]
    else:
        out.append(_quote(target.raw_subject or target.subject))
    out += ["", _wrap(f"cprlint found {_plural(len(findings), 'issue')} in this series"
                      f" ({sev}). Each one is answered in a reply to its patch, under"
                      " the line it concerns."), ""]
    per_patch: dict[int, list[Finding]] = {}
    for f in findings:
        if f.patch is not None:
            per_patch.setdefault(id(f.patch), []).append(f)
    for p in all_patches:
        pf = per_patch.get(id(p), [])
        out.append(f"  {p.label()} {p.subject}")
        if pf:
            rules = Counter(f"{f.rule} {f.severity}" for f in pf)
            listed = ", ".join(r if n == 1 else f"{r} x{n}" for r, n in rules.items())
            out.append(textwrap.fill(f"{_plural(len(pf), 'finding')}: {listed}", WIDTH,
                                     initial_indent="      ", subsequent_indent="      "))
        else:
            out.append("      no findings")
    if loose:
        out.append(f"  ({_plural(len(loose), 'finding')} not tied to a patch)")
    out += ["", "Rules seen:"]
    seen: dict[str, list[Finding]] = {}
    for f in findings:
        seen.setdefault(f.rule, []).append(f)
    for rule in sorted(seen, key=lambda r: (-max(_rank(f.severity) for f in seen[r]), r)):
        fs = seen[rule]
        out.append(textwrap.fill(f"{rule} ({fs[0].severity}, {len(fs)}x): {fs[0].title}", WIDTH,
                                 initial_indent="  ", subsequent_indent="    "))
    out += ["", "-- ", f"cprlint {__version__}, automated review of QEMU migration code.",
            "`cprlint explain RULE` shows a rule's invariant, rationale and examples."]
    return target, "\n".join(out) + "\n"


def _rank(sev: str) -> int:
    return ("info", "warning", "error").index(sev) if sev in ("info", "warning", "error") else 0


# -- headers, ids, mbox ------------------------------------------------------------

def _clean(value) -> str:
    """A header value from the input: no control characters (no header injection)."""
    return " ".join(without_controls(str(value or ""), " ").split())


def _addresses(values: list[str], seen: set[str], dropped: list[int]) -> list[Address]:
    """Parsed addresses, each checked on its own; unusable ones are counted in dropped."""
    out = []
    pieces = [p for v in values if v for p in split_addresses(_clean(v))]
    parsed = []
    for piece in pieces:
        found = getaddresses([piece])
        if not any(addr for _name, addr in found):
            found = [(piece, "")]           # unparsable: counted below, the rest kept
        parsed.extend(found)
    for name, addr in parsed:
        name, addr = _clean(name), _clean(addr)
        if not addr:
            if name:
                dropped[0] += 1
            continue
        try:
            a = Address(display_name=name, addr_spec=addr)
            hdr = POLICY.header_factory("Cc", str(a))
            if hdr.defects or len(hdr.addresses) != 1:
                raise ValueError("bad address")
        except Exception:
            dropped[0] += 1
            continue
        if a.addr_spec.lower() in seen:
            continue
        seen.add(a.addr_spec.lower())
        out.append(a)
    return out


def _author_address(author: str, seen: set[str], dropped: list[int]) -> list[Address]:
    """The author is one mailbox: a From that parses as several (group syntax smuggled
    into a display name) keeps only its trailing <addr-spec>, or nothing."""
    probe = [0]
    found = _addresses([author], set(seen), probe)
    if len(found) == 1 and probe[0] == 0:
        seen.add(found[0].addr_spec.lower())
        return found
    m = re.search(r"<([^<>\s]+)>\s*$", _clean(author))
    if m:
        found = _addresses([m.group(1)], seen, probe)
        if len(found) == 1:
            return found
    if author.strip():
        dropped[0] += 1
    return []


def _set(msg: EmailMessage, name: str, value) -> bool:
    try:
        msg[name] = value
        return True
    except Exception:
        del msg[name]
        return False


MAX_CC = 20          # addresses a reply copies from the patch's To and Cc (--max-cc)


def _message(patch, body: str, sender: str, date: datetime,
             max_cc: int = MAX_CC) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    sender = _clean(sender)
    if not _set(msg, "From", sender):
        sender = DEFAULT_FROM
        msg["From"] = sender
    dropped = [0]
    seen = {_addr(sender)}
    to = _author_address(patch.author or "", seen, dropped)
    cc = _addresses([patch.to or "", patch.cc or ""], seen, dropped)
    if len(cc) > max_cc:             # a reply is no mass mailing
        capped = len(cc) - max_cc
        cc = cc[:max_cc]
    else:
        capped = 0
    if to and not _set(msg, "To", to):
        dropped[0] += len(to)
    if cc and not _set(msg, "Cc", cc):
        dropped[0] += len(cc)
    subject = _clean(patch.raw_subject or patch.subject)
    if not subject:     # a patch rebuilt from a quoted reply without headers
        who = _clean(patch.author)
        subject = f"your patch{' quoted from ' + who if who else ''}"
    if not subject.lower().startswith("re:"):
        subject = "Re: " + subject
    _set(msg, "Subject", subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = _message_id(patch, body, sender)
    mid = _clean(patch.message_id).replace(" ", "")
    if getattr(patch, "message_id_synthesised", False):
        mid = ""        # a made-up id threads under nothing: leave the reply unthreaded
    if mid:
        refs = [_clean(r).replace(" ", "") for r in patch.references]
        refs = [r for r in refs if r and r != mid] + [mid]
        _set(msg, "In-Reply-To", f"<{mid}>")
        _set(msg, "References", " ".join(f"<{r}>" for r in refs))
    msg["X-Mailer"] = f"cprlint {__version__}"
    if dropped[0]:
        # a note for the person running cprlint, never in the mail to a human
        n = dropped[0]
        _note(f"the reply to {_clean(patch.raw_subject or patch.subject) or 'the patch'!r} "
              f"leaves out {n} address{'' if n == 1 else 'es'} of the patch's From/To/Cc "
              "that could not be parsed")
    if capped:
        _note(f"the reply to {_clean(patch.raw_subject or patch.subject) or 'the patch'!r} "
              f"copies the first {max_cc} addresses of the patch's To/Cc and leaves out "
              f"{capped} more (--max-cc)")
    from ..untrusted import escaped

    body = escaped(body)          # quoted lines from the patch may hold terminal escapes
    ascii_only = body.isascii()
    msg.set_content(body, charset="utf-8", cte="7bit" if ascii_only else "8bit")
    return msg


def _note(text: str) -> None:
    import sys

    sys.stderr.write(f"cprlint: note: {without_controls(text)}\n")


def _message_id(patch, body: str, sender: str) -> str:
    digest = hashlib.sha256(f"{patch.message_id}\n{body}".encode()).hexdigest()[:24]
    domain = _addr(sender).rpartition("@")[2] or "invalid"
    return f"<cprlint.{digest}@{domain}>"


def _addr(value: str) -> str:
    return parseaddr(value or "")[1].lower()


def _now() -> datetime:
    """The reply date: SOURCE_DATE_EPOCH when set (reproducible output), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


def _mbox_entry(msg: EmailMessage, sender: str, date: datetime) -> str:
    """One mboxrd entry: 'From ' line, message, lines matching ^>*From quoted."""
    text = msg.as_bytes(policy=POLICY).decode("utf-8")
    lines = []
    for line in text.split("\n"):
        if line.lstrip(">").startswith("From "):
            line = ">" + line
        lines.append(line)
    env = _addr(sender) or "MAILER-DAEMON"
    stamp = date.strftime("%a %b %d %H:%M:%S %Y")
    body = "\n".join(lines).rstrip("\n")
    return f"From {env} {stamp}\n{body}\n\n"


# -- text helpers ------------------------------------------------------------------

def _wrap(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), WIDTH, break_long_words=False,
                         break_on_hyphens=False)


def _squeeze_blank_lines(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return out
