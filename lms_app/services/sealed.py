"""Secrets kept at rest and tokens handed out, both under keys derived from the app's secret key.

Each use names its purpose, so a token made for one purpose never passes for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from cryptography.fernet import Fernet, InvalidToken

from lms_app import settings


def derived_key(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).digest()


def _fernet(purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(purpose)))


def seal(purpose: str, secret: str) -> str:
    """`secret` encrypted and authenticated for storage."""
    return _fernet(purpose).encrypt(secret.encode()).decode()


def unseal(purpose: str, token: str) -> str | None:
    """The secret sealed for `purpose`, or None when the token is damaged or the secret key changed."""
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def sign(purpose: str, payload: dict) -> str:
    """A tamper-proof token carrying `payload` (which should hold an "exp" Unix time)."""
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    mac = hmac.new(derived_key(purpose), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(purpose: str, token: str | None) -> dict | None:
    """The payload of a token signed for `purpose` and not yet expired, else None."""
    body, _, mac = (token or "").partition(".")
    expected = hmac.new(derived_key(purpose), body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, expected):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), (int, float)) or payload["exp"] < time.time():
        return None
    return payload
