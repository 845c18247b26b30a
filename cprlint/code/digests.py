"""Digests that key the in-process memos of whole files and functions.

BLAKE2b from CPython's built-in ``_blake2`` module: ``import hashlib``
also loads OpenSSL's ``_hashlib`` (2-3 ms of a run, measured), which no
memo needs.  Interpreters without that module fall back to hashlib.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - a CPython built without it
    from hashlib import blake2b as _blake2b


def digest(*parts: bytes) -> bytes:
    """A 20-byte digest of ``parts``, each prefixed by its length (so that
    moving bytes from one part to the next changes the digest)."""
    h = _blake2b(digest_size=20)
    for part in parts:
        h.update(b"%d:" % len(part))
        h.update(part)
    return h.digest()


def text_key(text: str) -> str:
    """The hex digest of a text (unpaired surrogates kept as they are)."""
    return _blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()
