"""Read the bytes of one input: a path or '-' for stdin; gunzip if needed."""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

from ..errors import InputError

from .. import limits
from ..limits import MAX_INPUT_BYTES   # after decompression; refuse gzip bombs


def read_file(path: str, limit: int = -1, shown: str | None = None) -> bytes:
    """The bytes of a file; every way of failing is an InputError naming it."""
    shown = shown or path
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except IsADirectoryError:
        raise InputError(shown, "is a directory; give an mbox or patch file") from None
    except PermissionError:
        raise InputError(shown, "cannot read: permission denied") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from None


def read_input(path: str, stdin: BinaryIO | None = None) -> bytes:
    """Return the (decompressed) bytes of ``path``; raise InputError if unreadable."""
    if path == "-":
        return checked(path, read_stdin(stdin, pack_above=None))
    if os.path.isdir(path):
        raise InputError(path, "is a directory; give an mbox or patch file")
    return checked(path, read_file(path, limits.MAX_INPUT_BYTES + 1))


def read_stdin(stdin: BinaryIO | None, pack_above: int | None) -> "bytes | Packed":
    """Standard input, at most the input cap (one byte over tells "too
    large", and no more is read).  Past ``pack_above`` bytes it is kept
    compressed (``Packed``): it cannot be read twice, and a large mbox is
    checked a window of patches at a time."""
    cap = limits.MAX_INPUT_BYTES
    stream = stdin if stdin is not None else sys.stdin.buffer
    chunks: list[bytes] = []
    packed: Packed | None = None
    size = held = 0
    try:
        while size <= cap:
            chunk = stream.read(min(Packed.PIECE, cap + 1 - size))
            if not chunk:
                break
            if isinstance(chunk, str):          # a text stream was handed to us
                chunk = chunk.encode("utf-8", "surrogateescape")
            chunks.append(chunk)
            size += len(chunk)
            held += len(chunk)
            if pack_above is not None and size > pack_above:
                packed = packed or Packed()
                while held >= Packed.PIECE:
                    data = b"".join(chunks)
                    packed.add(data[:Packed.PIECE])
                    chunks, held = [data[Packed.PIECE:]], held - Packed.PIECE
    except (OSError, ValueError) as exc:
        raise InputError("-", f"cannot read standard input: {exc}") from None
    if size > cap:
        raise InputError("-", f"input too large (over {size_text(cap)})")
    if packed is None:
        return b"".join(chunks)
    if held:
        packed.add(b"".join(chunks))
    return packed


def checked(path: str, data: bytes) -> bytes:
    """``data`` under the cap, gunzipped, and not empty; else InputError."""
    cap = limits.MAX_INPUT_BYTES
    if len(data) > cap:
        raise InputError(path, f"input too large (over {size_text(cap)})")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(path, data)
    if not data.strip():
        raise InputError(path, "empty file" if not data else "empty file (only whitespace)")
    return data


class Packed:
    """Bytes kept zlib-compressed in pieces of ``PIECE`` bytes (a large
    standard input: mail compresses four to five times)."""

    PIECE = 1 << 20

    def __init__(self):
        self.pieces: list[bytes] = []
        self.size = 0

    def add(self, raw: bytes) -> None:
        import zlib

        self.pieces.append(zlib.compress(raw, 1))
        self.size += len(raw)

    def piece(self, k: int) -> bytes:
        import zlib

        return zlib.decompress(self.pieces[k])

    def read(self, start: int, end: int) -> bytes:
        first, last = start // self.PIECE, (max(start, end - 1)) // self.PIECE
        data = b"".join(self.piece(k) for k in range(first, min(last + 1, len(self.pieces))))
        return data[start - first * self.PIECE:end - first * self.PIECE]

    def whole(self) -> bytes:
        return b"".join(self.piece(k) for k in range(len(self.pieces)))


def size_text(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _gunzip(path: str, data: bytes) -> bytes:
    import zlib

    out: list[bytes] = []
    size = 0
    try:
        while data:
            d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            chunk = d.decompress(data, MAX_INPUT_BYTES + 1 - size)
            size += len(chunk)
            out.append(chunk)
            if size > MAX_INPUT_BYTES or d.unconsumed_tail:
                raise InputError(path, "input too large after gunzip (over 256 MiB)")
            if not d.eof:
                raise InputError(path, "corrupt gzip data: file is truncated")
            data = d.unused_data            # concatenated gzip members
            if data and data[:2] != b"\x1f\x8b":
                break                        # trailing garbage: ignore like gzip -d
    except zlib.error as exc:
        raise InputError(path, f"corrupt gzip data: {exc}") from None
    return b"".join(out)
