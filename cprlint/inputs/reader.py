"""Read the bytes of one input: a path or '-' for stdin; gunzip if needed."""

from __future__ import annotations

import os
import sys
import zlib
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
    cap = limits.MAX_INPUT_BYTES
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            data = _read_capped(stream, cap + 1)   # one byte over tells "too large"
        except (OSError, ValueError) as exc:
            raise InputError(path, f"cannot read standard input: {exc}") from None
        if isinstance(data, str):          # a text stream was handed to us
            data = data.encode("utf-8", "surrogateescape")
    else:
        if os.path.isdir(path):
            raise InputError(path, "is a directory; give an mbox or patch file")
        data = read_file(path, cap + 1)
    if len(data) > cap:
        raise InputError(path, f"input too large (over {size_text(cap)})")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(path, data)
    if not data.strip():
        raise InputError(path, "empty file" if not data else "empty file (only whitespace)")
    return data


def size_text(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _read_capped(stream, limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``, in chunks (never a whole read())."""
    chunks, size = [], 0
    while size < limit:
        chunk = stream.read(min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if chunks and isinstance(chunks[0], str):
        return "".join(chunks)
    return b"".join(chunks)


def _gunzip(path: str, data: bytes) -> bytes:
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
