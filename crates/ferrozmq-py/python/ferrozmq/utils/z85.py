"""Z85 (ZeroMQ RFC 32): 4 bytes to 5 printable characters, as pyzmq's ``zmq.utils.z85``."""

from __future__ import annotations

import struct

Z85CHARS = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
Z85MAP = {c: idx for idx, c in enumerate(Z85CHARS)}

_85s = [85**i for i in range(5)][::-1]


def encode(rawbytes: bytes) -> bytes:
    """Encodes bytes (length a multiple of 4) to Z85."""
    if len(rawbytes) % 4:
        raise ValueError(f"length must be multiple of 4, not {len(rawbytes)}")
    nvalues = len(rawbytes) // 4
    values = struct.unpack(f">{nvalues:d}I", rawbytes)
    encoded = []
    for v in values:
        for offset in _85s:
            encoded.append(Z85CHARS[(v // offset) % 85])
    return bytes(encoded)


def decode(z85bytes: bytes | str) -> bytes:
    """Decodes Z85 (length a multiple of 5) to bytes."""
    if isinstance(z85bytes, str):
        try:
            z85bytes = z85bytes.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("string argument should contain only ASCII characters") from None
    if len(z85bytes) % 5:
        raise ValueError(f"Z85 length must be multiple of 5, not {len(z85bytes)}")
    nvalues = len(z85bytes) // 5
    values = []
    for i in range(0, len(z85bytes), 5):
        value = 0
        for j, offset in enumerate(_85s):
            value += Z85MAP[z85bytes[i + j]] * offset
        values.append(value)
    return struct.pack(f">{nvalues:d}I", *values)


__all__ = ["encode", "decode", "Z85CHARS", "Z85MAP"]
