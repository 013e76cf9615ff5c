"""Every setting, read from the environment once, with safe defaults.

The app, Alembic, the CLI and the tests all read the database URL from here.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LMS_DATA_DIR", PROJECT_ROOT / "data")).resolve()


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw else default


def _secret_key() -> str:
    """LMS_SECRET_KEY, or one generated into the data directory on first start."""
    key = _env("LMS_SECRET_KEY")
    if key:
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DATABASE_URL = _env("LMS_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'lms.db'}"
PUBLIC_URL = _env("LMS_PUBLIC_URL", "http://localhost:3000").rstrip("/")
SECRET_KEY = _secret_key()
REDIS_URL = _env("REFLEX_REDIS_URL") or _env("LMS_REDIS_URL")

SMTP_HOST = _env("LMS_SMTP_HOST", "localhost")
SMTP_PORT = _env_int("LMS_SMTP_PORT", 25)
SMTP_USER = _env("LMS_SMTP_USER")
SMTP_PASSWORD = _env("LMS_SMTP_PASSWORD")
SMTP_TLS = _env("LMS_SMTP_TLS", "off")  # off | starttls | ssl
SMTP_SENDER = _env("LMS_SMTP_SENDER", "LMS <no-reply@localhost>")

# Sign-in: idle and absolute lifetimes of a login session, in minutes.
SESSION_IDLE_MINUTES = _env_int("LMS_SESSION_IDLE_MINUTES", 8 * 60)
SESSION_ABSOLUTE_MINUTES = _env_int("LMS_SESSION_ABSOLUTE_MINUTES", 14 * 24 * 60)
COOKIE_NAME = "lms_session"
# While an admin is signed in as someone, the admin's own sign-in token waits in this cookie.
ADMIN_COOKIE_NAME = "lms_session_admin"
COOKIE_SECURE = PUBLIC_URL.startswith("https://")

# Throttling of failed sign-ins (per account and per client address).
LOGIN_WINDOW_MINUTES = _env_int("LMS_LOGIN_WINDOW_MINUTES", 15)
LOGIN_SLOW_AFTER = _env_int("LMS_LOGIN_SLOW_AFTER", 3)
LOGIN_LOCK_ACCOUNT_AFTER = _env_int("LMS_LOGIN_LOCK_ACCOUNT_AFTER", 5)
LOGIN_LOCK_ADDRESS_AFTER = _env_int("LMS_LOGIN_LOCK_ADDRESS_AFTER", 20)

INVITATION_DAYS = _env_int("LMS_INVITATION_DAYS", 7)
PASSWORD_RESET_MINUTES = _env_int("LMS_PASSWORD_RESET_MINUTES", 60)
PASSWORD_MIN_LENGTH = _env_int("LMS_PASSWORD_MIN_LENGTH", 10)

# Job runner: how often an idle runner looks for work, and how long a claim lasts
# before another runner may take the job over (its worker is presumed dead).
JOBS_ENABLED = _env("LMS_JOBS", "on") != "off"
JOBS_POLL_SECONDS = float(_env("LMS_JOBS_POLL_SECONDS", "1.0"))
JOBS_LEASE_SECONDS = _env_int("LMS_JOBS_LEASE_SECONDS", 60)

TRUSTED_PROXY_HOPS = _env_int("LMS_TRUSTED_PROXY_HOPS", 0)

# Lesson files (uploaded videos and documents): kept under DATA_DIR/private, never under
# Reflex's public upload directory, and served through an authenticated route.
PRIVATE_DIR = DATA_DIR / "private"
MAX_VIDEO_MB = _env_int("LMS_MAX_VIDEO_MB", 500)
MAX_FILE_MB = _env_int("LMS_MAX_FILE_MB", 50)
# A course archive (export/import): its files unpacked, at most this much.
MAX_COURSE_ARCHIVE_MB = _env_int("LMS_MAX_COURSE_ARCHIVE_MB", 2048)
