"""An mbox read message by message, never whole.

A large mailbox (a thread, a list archive, a long pull request) is split
at its From_ lines as it is read: each message is handed on with the byte
span it came from, so that a later pass can read it again (``read``)
instead of keeping it.  Files are read through one buffered handle;
standard input, which cannot be read twice, is kept compressed (Packed),
and a gzip file is held as bytes (under the input cap).
"""

from __future__ import annotations

import os
from itertools import chain
from typing import Iterator

from ..errors import InputError
from .mail import RawMessage, from_line, is_from_line, split_lines
from .reader import Packed

class Source:
    """One input's bytes: lines with their offsets, and spans read again.
    ``data`` holds them (bytes, or a Packed standard input), or None: read
    from the file ``path``."""

    def __init__(self, path: str, data: "bytes | Packed | None" = None):
        self.path = path
        self.data = data
        self._file = None           # one handle for both passes: a file replaced
        self._stamp = None          # meanwhile is still the one read first

    def _handle(self):
        if self._file is None:
            self._file = open(self.path, "rb")
            st = os.fstat(self._file.fileno())
            self._stamp = (st.st_size, st.st_mtime_ns)
        return self._file

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(byte offset, line without its newline), like ``split_lines``."""
        if isinstance(self.data, bytes):
            yield from _lines_of(self.data, 0)
        elif self.data is not None:
            yield from self._packed_lines()
        else:
            f = self._handle()
            f.seek(0)
            pos = 0
            for raw in f:
                yield pos, raw[:-1] if raw.endswith(b"\n") else raw
                pos += len(raw)

    def _packed_lines(self):
        packed, carry, base = self.data, [], 0      # carry: a line not ended yet
        for k in range(len(packed.pieces)):
            piece = packed.piece(k)
            cut = piece.rfind(b"\n") + 1
            if not cut:
                carry.append(piece)
                continue
            data = b"".join(carry + [piece[:cut]])
            yield from _lines_of(data, base)
            base += len(data)
            carry = [piece[cut:]]
        if any(carry):
            yield base, b"".join(carry)

    def read(self, start: int, end: int) -> bytes:
        if self.data is not None:
            return self.data[start:end] if isinstance(self.data, bytes) \
                else self.data.read(start, end)
        f = self._handle()
        st = os.fstat(f.fileno())
        f.seek(start)
        data = f.read(end - start)
        if (st.st_size, st.st_mtime_ns) != self._stamp or len(data) != end - start:
            raise InputError(self.path, "the file changed while it was being checked; "
                                        "check it again")
        return data

    def size(self) -> int:
        if self.data is not None:
            return len(self.data) if isinstance(self.data, bytes) else self.data.size
        self._handle()
        return self._stamp[0]


def _lines_of(data: bytes, base: int):
    pos, n = 0, len(data)
    while pos < n:
        end = data.find(b"\n", pos)
        if end < 0:
            yield base + pos, data[pos:]
            return
        yield base + pos, data[pos:end]
        pos = end + 1


class Span:
    """Where one message is: its bytes (after the From_ line) and its lines."""

    __slots__ = ("start", "end", "first_line", "mboxrd")

    def __init__(self, start: int, end: int, first_line: int, mboxrd: bool):
        self.start, self.end, self.first_line, self.mboxrd = start, end, first_line, mboxrd

    def message(self, source: Source) -> RawMessage:
        return self.raw(split_lines(source.read(self.start, self.end)))

    def raw(self, lines: list[bytes]) -> RawMessage:
        return RawMessage(lines, self.first_line, self.first_line + 1, self.mboxrd)


def starts_as_mbox(source: Source) -> bool:
    """The first non-blank line is a strict From_ line (``split_mbox``'s test)."""
    head: list[bytes] = []
    for _pos, line in source.lines():
        if head or line.strip():
            head.append(line)
        if len(head) == 2:
            break
    return bool(head) and is_from_line(head, 0)


def messages(source: Source) -> Iterator[tuple[RawMessage, Span]]:
    """The messages of an mbox, one at a time, as ``split_mbox`` cuts them
    (call only when ``starts_as_mbox``): a strict From_ line followed by a
    header line (or the end) starts a message."""
    cur: list[bytes] = []
    span: Span | None = None
    pending: tuple[int, int, bytes] | None = None      # a From_ line awaiting its next line
    lineno, size = 0, source.size()
    for pos, line in chain(source.lines(), [(size, None)]):     # None: the end
        lineno += 1
        if pending is not None:
            p_pos, p_no, p_line = pending
            pending = None
            if is_from_line([p_line] if line is None else [p_line, line], 0):
                if span is not None:
                    span.end = p_pos
                    yield span.raw(cur), span
                cur = []
                span = Span(pos, -1, p_no, p_line.startswith(b"From mboxrd@z "))
            elif span is not None:
                cur.append(p_line)
        if line is None:
            break
        if from_line(line):
            pending = (pos, lineno, line)
            continue
        if span is not None:
            cur.append(line)
    if span is not None:
        span.end = size
        yield span.raw(cur), span
