"""CURVE certificate files in pyzmq's (and CZMQ's ``zcert``) format."""

from __future__ import annotations

import datetime
import glob
import os
import re

from .. import curve_keypair

_HEADER = """#   ****  Generated on {0} by ferrozmq  ****
#   ZeroMQ CURVE {1} Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

"""


def _write(path: str, public: bytes, secret: bytes | None) -> None:
    kind = "**Secret**" if secret is not None else "Public"
    with open(path, "w", encoding="utf8") as f:
        f.write(_HEADER.format(datetime.datetime.now(), kind))
        f.write("metadata\ncurve\n")
        f.write(f'    public-key = "{public.decode("utf8")}"\n')
        if secret is not None:
            f.write(f'    secret-key = "{secret.decode("utf8")}"\n')


def create_certificates(key_dir: str | os.PathLike, name: str) -> tuple[str, str]:
    """Writes a new key pair as ``<name>.key`` (public) and ``<name>.key_secret`` (both keys) in ``key_dir``;
    returns their paths."""
    public, secret = curve_keypair()
    base = os.path.join(key_dir, name)
    _write(base + ".key", public, None)
    _write(base + ".key_secret", public, secret)
    return base + ".key", base + ".key_secret"


def load_certificate(filename: str | os.PathLike) -> tuple[bytes, bytes | None]:
    """The ``(public, secret)`` Z85 keys of a certificate file (``secret`` is ``None`` in a public one)."""
    public = secret = None
    with open(filename, "rb") as f:
        for line in f:
            m = re.match(rb'\s*(public|secret)-key\s*=\s*"(.*)"', line)
            if m and m.group(1) == b"public":
                public = m.group(2)
            elif m:
                secret = m.group(2)
    if public is None:
        raise ValueError(f"no public key found in {filename}")
    return public, secret


def load_certificates(directory: str | os.PathLike = ".") -> dict[bytes, bool]:
    """The public keys of the ``*.key`` files in ``directory``, as pyzmq's ``{key: True}``."""
    if not os.path.isdir(directory):
        raise OSError(f"Invalid certificate directory: {directory}")
    return {load_certificate(p)[0]: True for p in glob.glob(os.path.join(directory, "*.key"))}
