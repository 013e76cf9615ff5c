"""The password policy and the hashing of passwords (Argon2id)."""

from __future__ import annotations

import gzip

import pytest

from lms_app import settings
from lms_app.services import passwords
from lms_app.services.errors import Invalid
from lms_app.services.passwords import check_policy, hash_password, needs_rehash, verify_password

GOOD = "Otter-lantern-cobble-91"


def _reason(password: str, email: str = "", name: str = "") -> str:
    with pytest.raises(Invalid) as exc:
        check_policy(password, email, name)
    return exc.value.message


def test_a_long_uncommon_password_is_accepted():
    check_policy(GOOD, "leo@example.com", "Leo Learner")
    check_policy("x" * 8 + "Qz!" + "y" * 245)  # exactly 256 characters


def test_too_short_says_how_long_it_must_be():
    assert settings.PASSWORD_MIN_LENGTH == 10
    check_policy("Kq7#mv2!Lp")  # 10 characters: the minimum itself is fine
    assert _reason("Kq7#mv2!L") == "The password must have at least 10 characters."
    assert "at least" in _reason("")


def test_the_minimum_length_follows_the_setting(monkeypatch):
    monkeypatch.setattr(settings, "PASSWORD_MIN_LENGTH", 14)
    assert "at least 14 characters" in _reason("Kq7#mv2!Lp-xy")
    check_policy("Kq7#mv2!Lp-xyz")


def test_too_long_is_refused():
    assert "at most 256" in _reason("Qz!" * 86)


def test_a_password_containing_the_email_is_refused():
    assert "email" in _reason("my-alexandra-pass", "Alexandra@example.com")
    assert "email" in _reason("ALEXANDRA2026!x", "alexandra@example.com")
    assert "email" in _reason("bo@example.com", "bo@example.com")
    # A very short local part ("leo") is too common a substring to forbid.
    check_policy("leopard-cobble-91", "leo@example.com")


def test_common_passwords_are_refused_whatever_their_case():
    common = passwords._common_passwords()
    # Both come from the shipped list and are long enough to pass the length rule.
    for password in ("password123456", "qwertyuiop", "1q2w3e4r5t"):
        assert password in common
        assert "too common" in _reason(password)
    assert "too common" in _reason("PassWord123456")
    assert "too common" in _reason("QWERTYUIOP")


def test_the_common_password_list_is_the_shipped_one():
    with gzip.open(passwords._COMMON, "rt", encoding="utf-8") as fh:
        lines = [line.strip() for line in fh if line.strip()]
    assert len(lines) > 15_000
    assert GOOD.lower() not in passwords._common_passwords()


def test_hashes_are_argon2id_and_salted():
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$v=19$")
    assert first != second  # a fresh salt each time
    assert GOOD not in first
    assert not needs_rehash(first)


def test_verify_accepts_only_the_right_password():
    stored = hash_password(GOOD)
    assert verify_password(stored, GOOD)
    assert not verify_password(stored, GOOD.upper())
    assert not verify_password(stored, "")


def test_verify_without_a_stored_hash_is_always_false():
    # An invited user has no password yet; even the dummy hash's own password must not match.
    assert not verify_password(None, "not-a-real-password-just-timing")
    assert not verify_password(None, GOOD)
    assert not verify_password("not-a-hash", GOOD)
