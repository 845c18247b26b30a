"""Digests that key the in-process memos of whole files and functions.

BLAKE2b from CPython's built-in ``_blake2`` module: ``import hashlib``
also loads OpenSSL's ``_hashlib`` (2-3 ms of a run, measured), which no
memo needs.  (hashlib's own blake2b is that module's: an interpreter
without it gets SHA-1 from hashlib, also 20 bytes.)
"""

from __future__ import annotations

try:
    from _blake2 import blake2b as _blake2b

    def _new():
        return _blake2b(digest_size=20)
except ImportError:  # pragma: no cover - a Python built without _blake2
    def _new():
        import hashlib

        return hashlib.sha1()


def digest(*parts: bytes) -> bytes:
    """A 20-byte digest of ``parts``, each prefixed by its length (so that
    moving bytes from one part to the next changes the digest)."""
    h = _new()
    for part in parts:
        h.update(b"%d:" % len(part))
        h.update(part)
    return h.digest()


def text_key(text: str) -> str:
    """The hex digest of a text (unpaired surrogates kept as they are)."""
    h = _new()
    h.update(text.encode("utf-8", "surrogateescape"))
    return h.hexdigest()
