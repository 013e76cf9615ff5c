"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lms_app import settings
from lms_app.services.errors import Invalid

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_COMMON = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
# Verified against when the email is unknown, so a wrong email costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-timing")


@functools.cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def policy_text(min_length: int) -> str:
    """The policy as the forms that ask for a new password state it."""
    return f"At least {min_length} characters; not a common password and not your email address."


def check_policy(password: str, email: str = "", name: str = "", *, min_length: int | None = None) -> None:
    """Raise Invalid with the reason when the password does not meet the policy. `min_length` is
    the organization's (Settings); the environment's default without it."""
    min_length = min_length or settings.PASSWORD_MIN_LENGTH
    if len(password) < min_length:
        raise Invalid(f"The password must have at least {min_length} characters.")
    if len(password) > 256:
        raise Invalid("The password must have at most 256 characters.")
    lowered = password.lower()
    local = email.split("@")[0].lower()
    if email and (lowered == email.lower() or (len(local) >= 4 and local in lowered)):
        raise Invalid("The password must not contain your email address.")
    if lowered in _common_passwords():
        raise Invalid("That password is too common; choose one that is harder to guess.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
