"""ZAP authentication, as pyzmq's ``zmq.auth``: ``ThreadAuthenticator`` (in ``ferrozmq.auth.thread``) and
CURVE certificate files (``create_certificates``, ``load_certificate``, ``load_certificates``)."""

from __future__ import annotations

from .base import CURVE_ALLOW_ANY, Authenticator
from .certs import create_certificates, load_certificate, load_certificates

__all__ = ["CURVE_ALLOW_ANY", "Authenticator", "create_certificates", "load_certificate", "load_certificates"]
