"""Split an mbox into messages and decode each with the stdlib ``email`` package.

Hand-written splitting (not ``mailbox.mbox``): only a strict From_ line with
a date starts a message, and each message keeps its first input line so that
body lines map back to the file.  Bodies in 7bit/8bit are taken from the
raw bytes, so body line k maps exactly to an input line; quoted-printable,
base64 and multipart bodies have no exact mapping (input_line None).
"""

from __future__ import annotations

import codecs
import re

from .. import lazyre
from ..errors import InputError
from ..limits import MAX_HEADER_CHARS, MAX_HEADER_LINES, count_cut
from ..records import Record
from ..untrusted import split_addresses
from .lines import SrcLine, number_lines

_CHARSET = lazyre.compile(r'charset\s*=\s*"?([^";\s]+)', re.I)
_SPACES = lazyre.compile(r"\s+")
_MSGID = lazyre.compile(r"<[^<>\s]+>")

_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MON = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
FROM_LINE = lazyre.compile(
    rb"^From \S+ +" + _DAY + rb",? +" + _MON + rb" +\d{1,2} +\d{1,2}:\d{2}(?::\d{2})?"
    rb"(?: +(?:[A-Z]{2,5}|[+-]\d{4}))? +\d{4}(?: +[+-]\d{4})?[ \t\r]*$"
)
# the From_ line dates of git format-patch and b4: a line "From SENDER"
# with one of them is a From_ line by FROM_LINE too, and is recognised
# without it (compiling FROM_LINE is ~0.3 ms of a one-patch run)
_TOOL_DATES = (b" Mon Sep 17 00:00:00 2001", b" Thu Jan  1 00:00:00 1970")
_BYTES_SPACE = frozenset(b" \t\n\r\x0b\x0c")      # what \s is in a bytes pattern
_HEADER_LINE = lazyre.compile(rb"^[A-Za-z][A-Za-z0-9-]*:")
_MBOXRD_ESCAPED = lazyre.compile(rb"^>+From ")
_MAIL_HEADERS = {b"from", b"subject", b"date", b"message-id", b"to", b"received",
                 b"return-path", b"mime-version", b"content-type", b"delivered-to"}


class RawMessage(Record):
    """One message of a mailbox, as lines of bytes."""

    lines: list[bytes]          # message lines after the From_ line, no newlines
    first_line: int             # 1-based input line of the message's first line (its From_ line)
    header_line: int            # 1-based input line of lines[0]
    mboxrd: bool

    def __init__(self, lines, first_line, header_line, mboxrd=False) -> None:
        self.lines = lines
        self.first_line = first_line
        self.header_line = header_line
        self.mboxrd = mboxrd


class Mail(Record):
    """A message's decoded headers and body."""

    subject: str
    author: str
    date: str
    message_id: str
    in_reply_to: str
    references: list[str]
    to: str
    cc: str
    reply_to: str       # Reply-To: and X-Original-From:, where a list that
    original_from: str  # rewrote From: ("X via <list>") keeps the author
    body: list[SrcLine]
    crlf: bool
    exact_lines: bool
    first_line: int
    has_headers: bool

    def __init__(self, subject="", author="", date="", message_id="", in_reply_to="",
                 references=None, to="", cc="", reply_to="", original_from="", body=None,
                 crlf=False, exact_lines=True, first_line=1, has_headers=True) -> None:
        self.subject = subject
        self.author = author
        self.date = date
        self.message_id = message_id
        self.in_reply_to = in_reply_to
        self.references = [] if references is None else references
        self.to = to
        self.cc = cc
        self.reply_to = reply_to
        self.original_from = original_from
        self.body = [] if body is None else body
        self.crlf = crlf
        self.exact_lines = exact_lines
        self.first_line = first_line
        self.has_headers = has_headers


def split_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def from_line(line: bytes) -> bool:
    """Whether ``line`` matches FROM_LINE (a strict From_ line)."""
    if not line.startswith(b"From "):
        return False
    body = line.rstrip(b" \t\r")
    for date in _TOOL_DATES:
        if body.endswith(date):
            sender = body[5:-len(date)]
            if sender and _BYTES_SPACE.isdisjoint(sender):
                return True
    return bool(FROM_LINE.match(line))


def is_from_line(lines: list[bytes], i: int) -> bool:
    """A strict From_ line, followed by a header line (or the end)."""
    if not from_line(lines[i]):
        return False
    return i + 1 >= len(lines) or bool(_HEADER_LINE.match(lines[i + 1]))


def looks_like_headers(lines: list[bytes], start: int = 0) -> bool:
    """RFC 822 headers at ``start``: header lines up to a blank line, with a known name."""
    known = False
    n = 0
    for line in lines[start:start + 200]:
        if line in (b"", b"\r"):
            return known and n > 0
        if line[:1] in (b" ", b"\t") and n:
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            return False
        n += 1
        if m.group(0)[:-1].lower() in _MAIL_HEADERS:
            known = True
    return known and n > 0


def split_mbox(lines: list[bytes]) -> list[RawMessage] | None:
    """Split at strict From_ lines; None if the input does not start with one."""
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or not is_from_line(lines, start):
        return None
    cuts = [i for i in range(start, len(lines)) if is_from_line(lines, i)]
    msgs = []
    for k, i in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else len(lines)
        mboxrd = lines[i].startswith(b"From mboxrd@z ")
        msgs.append(RawMessage(lines[i + 1:end], i + 1, i + 2, mboxrd))
    return msgs


def decode_bytes(path: str, data: bytes, charset: str | None, first_line: int | None) -> str:
    """Decode a body: declared charset, else UTF-8; InputError at the first bad byte."""
    cs = (charset or "").strip().lower()
    if cs in ("", "us-ascii", "ascii", "utf8", "utf-8", "unknown-8bit", "x-unknown"):
        cs = ""
    else:
        try:
            codecs.lookup(cs)
        except LookupError:
            cs = ""
    if cs:
        try:
            return data.decode(cs)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = None if first_line is None else first_line + data.count(b"\n", 0, exc.start)
        declared = f"declared charset {charset}" if charset else "no charset declared"
        raise InputError(
            path, f"bytes that are not valid UTF-8 ({declared}): byte 0x{data[exc.start]:02x}",
            line,
        ) from None


def _normalise_crlf(text: str) -> tuple[str, bool]:
    if "\r" not in text:
        return text, False
    return text.replace("\r\n", "\n"), True


def _hdr(msg, name: str) -> str:
    try:
        v = msg.get(name)
    except Exception:       # malformed header: the email package may raise
        return ""
    if v is None:
        return ""
    try:
        s = str(v)
    except Exception:
        return ""
    return _SPACES.sub(" ", s).strip()


def _strip_angle(s: str) -> str:
    s = s.strip()
    m = re.search(r"<([^<>]+)>", s)
    return m.group(1).strip() if m else s.split()[0] if s.split() else ""


class _PlainHeaders:
    """Headers of a plain (non-MIME) mail, read without the email package.

    git format-patch and b4 mails are 7bit/8bit text/plain: for them the
    stdlib parser costs more start-up time than the whole check.  RFC 2047
    encoded words are decoded with email.header, imported only when present.
    """

    def __init__(self, header_lines: list[bytes]):
        self._h: dict[str, str] = {}
        name = None
        for raw in header_lines:
            text = raw.decode("utf-8", "replace").rstrip("\r")
            if text[:1] in (" ", "\t") and name:
                if len(self._h[name]) < MAX_HEADER_CHARS:   # capped_headers cut the rest
                    self._h[name] += " " + text.strip()
                continue
            key, sep, value = text.partition(":")
            if not sep:
                name = None
                continue
            name = key.strip().lower()
            if name in self._h:     # keep the first occurrence
                name = None
                continue
            self._h[name] = value.strip()

    def raw_items(self):
        return self._h.items()

    def get(self, name: str) -> str | None:
        value = self._h.get(name)
        if value and "=?" in value:
            from email.header import decode_header, make_header

            try:
                value = str(make_header(decode_header(value)))
            except Exception:
                pass
        return value

    def is_multipart(self) -> bool:
        return self._h.get("content-type", "").lower().startswith("multipart/")

    def get_content_charset(self) -> str | None:
        m = _CHARSET.search(self._h.get("content-type", ""))
        return m.group(1).lower() if m else None


def _address_header(msg, name: str) -> str:
    """An address header, split into mailboxes before RFC 2047 decoding: an
    encoded word may only be a display name, so an encoded CR LF or comma
    never makes a second address.  Each mailbox's display name is decoded on
    its own and quoted; what does not parse is left for the reply builder to
    count as unusable."""
    try:
        raw = next((str(v) for k, v in msg.raw_items() if k.lower() == name), "")
    except Exception:
        return ""
    raw = re.sub(r"\s+", " ", raw).strip()
    out = []
    for box in split_addresses(raw):
        lt = box.rfind("<")
        if "=?" in box and lt > 0 and box.endswith(">"):
            display = box[:lt].strip().strip('"')
            try:
                from email.header import decode_header, make_header

                display = str(make_header(decode_header(display)))
            except Exception:
                pass
            display = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", display).split())
            quoted = display.replace("\\", "\\\\").replace('"', '\\"')
            box = f'"{quoted}" {box[lt:]}'
        out.append(box)
    return ", ".join(out)


def _fill_headers(mail: Mail, msg) -> None:
    mail.subject = _hdr(msg, "subject")
    mail.author = _hdr(msg, "from")
    mail.date = _hdr(msg, "date")
    mail.to = _address_header(msg, "to")
    mail.cc = _address_header(msg, "cc")
    mail.reply_to = _address_header(msg, "reply-to")
    mail.original_from = _hdr(msg, "x-original-from")
    mid = _hdr(msg, "message-id")
    mail.message_id = _strip_angle(mid) if mid else ""
    irt = _hdr(msg, "in-reply-to")
    mail.in_reply_to = _strip_angle(irt) if irt else ""
    mail.references = [r.strip("<>") for r in _MSGID.findall(_hdr(msg, "references"))]


def capped_headers(lines: list[bytes], line: int) -> list[bytes]:
    """The header lines with each header's value (folded lines included) cut
    to MAX_HEADER_CHARS and at most MAX_HEADER_LINES lines: the email
    package takes quadratic time on a long folded header."""
    out: list[bytes] = []
    size = 0
    cut = False
    for raw in lines:
        folded = raw[:1] in (b" ", b"\t") and out
        if not folded:
            size = 0
            if len(out) >= MAX_HEADER_LINES:
                cut = True
                break
        if size + len(raw) > MAX_HEADER_CHARS:
            cut = True
            if folded:
                continue
            raw = raw[:MAX_HEADER_CHARS]
        size += len(raw)
        out.append(raw)
    if cut:
        count_cut(f"mail header over {MAX_HEADER_CHARS} characters", line)
    return out


def decode_message(path: str, raw: RawMessage) -> Mail:
    lines = raw.lines
    if raw.mboxrd:
        lines = [ln[1:] if _MBOXRD_ESCAPED.match(ln) else ln for ln in lines]
    sep = next((i for i, ln in enumerate(lines) if ln in (b"", b"\r")), len(lines))
    if sep > 50 or any(len(ln) > 998 for ln in lines[:sep]):
        heads = capped_headers(lines[:sep], raw.header_line)
        lines = heads + lines[sep:]
        raw = RawMessage(lines, raw.first_line, raw.header_line - len(heads) + sep, False)
        sep = len(heads)
    mail = Mail(first_line=raw.first_line)
    body_line = raw.header_line + sep + 1

    plain = _PlainHeaders(lines[:sep])
    cte = (plain.get("content-transfer-encoding") or "").strip().lower()
    if not plain.is_multipart() and cte in ("", "7bit", "8bit", "binary"):
        _fill_headers(mail, plain)
        text = decode_bytes(path, b"\n".join(lines[sep + 1:]), plain.get_content_charset(),
                            body_line)
        text, mail.crlf = _normalise_crlf(text)
        mail.body = number_lines(text, body_line)
        return mail

    import email
    import email.policy

    try:
        msg = email.message_from_bytes(b"\n".join(lines) + b"\n", policy=email.policy.default)
    except Exception as exc:     # email is lenient; be safe with untrusted bytes
        raise InputError(path, f"cannot parse mail headers: {exc}", raw.first_line) from None
    _fill_headers(mail, msg)
    mail.exact_lines = False
    text = _decoded_body(path, msg, raw.first_line)
    text, mail.crlf = _normalise_crlf(text)
    mail.body = number_lines(text, None)
    return mail


def _decoded_body(path: str, msg, line: int) -> str:
    """Body text of a QP/base64 or multipart mail; patch attachments appended."""
    try:
        if not msg.is_multipart():
            payload = msg.get_payload(decode=True) or b""
            return decode_bytes(path, payload, msg.get_content_charset(), None)
        part = msg.get_body(preferencelist=("plain",))
        texts = []
        if part is not None:
            payload = part.get_payload(decode=True) or b""
            texts.append(decode_bytes(path, payload, part.get_content_charset(), None))
        if not any("\ndiff --git " in "\n" + t for t in texts):
            for att in msg.iter_attachments():
                ctype = att.get_content_type()
                if ctype in ("text/x-patch", "text/x-diff", "text/plain", "application/x-patch"):
                    payload = att.get_payload(decode=True) or b""
                    t = decode_bytes(path, payload, att.get_content_charset(), None)
                    if "diff --git " in t:
                        texts.append(t)
                        break
        return "\n".join(texts)
    except InputError as exc:
        raise InputError(path, exc.message, line) from None
    except Exception as exc:
        raise InputError(path, f"cannot decode mail body: {exc}", line) from None
