"""The organization's settings, changed by an admin in the browser and applied at once.

The organization's name, logo, time zone and self-registration live on `Organization`; who may
create courses is the set of roles holding "courses.create"; everything else is one
`OrgSetting` row per key. A key without a row takes its default from the environment
(lms_app.settings), so an install configured by environment variables keeps working until an
admin changes something here. Every reader (the mailer, the password policy, sign-in) calls
`current()` when it needs a value, so a change needs no restart, on any worker.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from sqlmodel import Session, select

from lms_app import settings
from lms_app.locales import is_time_zone
from lms_app.models import Organization, Permission, Role, utcnow
from lms_app.models.settings import OrgSetting
from lms_app.services import audit, roles, sealed, storage
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require

SMTP_TLS_MODES = ("off", "starttls", "ssl")
MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH = 8, 128
MIN_IDLE_MINUTES, MAX_IDLE_MINUTES = 5, 30 * 24 * 60
MIN_ABSOLUTE_MINUTES, MAX_ABSOLUTE_MINUTES = 60, 365 * 24 * 60
MAX_BACKUP_EVERY_HOURS, MAX_BACKUP_KEEP = 24 * 31, 1000
LOGO_MAX_BYTES = 1024 * 1024
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml"}
TEST_EMAIL_TIMEOUT_SECONDS = 15
_SEAL_PURPOSE = "org setting smtp password"
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")
ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class OrgSettings:
    org_name: str
    logo_path: str | None
    default_timezone: str
    smtp_host: str
    smtp_port: int
    smtp_tls: str
    smtp_user: str
    smtp_password_set: bool
    smtp_sender: str
    password_min_length: int
    session_idle_minutes: int
    session_absolute_minutes: int
    registration_mode: str
    registration_domains: tuple[str, ...]
    course_creator_roles: tuple[str, ...]
    two_factor_roles: tuple[str, ...] | None
    backup_every_hours: int
    backup_keep: int
    backup_folder: str


def _defaults() -> dict[str, Any]:
    """The values of the keys stored as OrgSetting rows when there is no row: the environment's."""
    return {
        "smtp_host": settings.SMTP_HOST,
        "smtp_port": settings.SMTP_PORT,
        "smtp_tls": (settings.SMTP_TLS or "off").lower(),
        "smtp_user": settings.SMTP_USER,
        "smtp_sender": settings.SMTP_SENDER,
        "password_min_length": settings.PASSWORD_MIN_LENGTH,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
        "session_absolute_minutes": settings.SESSION_ABSOLUTE_MINUTES,
        "two_factor_roles": None,
        "backup_every_hours": 0,
        "backup_keep": 7,
        "backup_folder": str(settings.DATA_DIR / "backups"),
    }


_STORED = tuple(_defaults())
# Kept on the organization row (or in roles), not as OrgSetting rows.
_ORG_FIELDS = ("org_name", "default_timezone")
_REGISTRATION_FIELDS = ("registration_mode", "registration_domains")
EDITABLE = frozenset(_STORED) | set(_ORG_FIELDS) | set(_REGISTRATION_FIELDS) | {"course_creator_roles", "smtp_password"}


def _rows(session: Session, org_id: int) -> dict[str, OrgSetting]:
    return {row.key: row for row in session.exec(select(OrgSetting).where(OrgSetting.org_id == org_id)).all()}


def _course_creators(session: Session, org_id: int) -> tuple[str, ...]:
    names = session.exec(
        select(Role.name).join(Permission, Permission.role_id == Role.id)
        .where(Role.org_id == org_id, Permission.name == "courses.create").order_by(Role.name)
    ).all()
    return tuple(names)


def stored(session: Session, org_id: int, *keys: str) -> dict[str, Any]:
    """Just the named settings kept as OrgSetting rows (database over environment), in one query:
    for the checks that run on every request (session lifetimes, two-factor roles)."""
    values = {key: default for key, default in _defaults().items() if key in keys}
    rows = session.exec(select(OrgSetting.key, OrgSetting.value).where(OrgSetting.org_id == org_id, OrgSetting.key.in_(keys))).all()
    values.update(dict(rows))
    return values


def current(session: Session, org_id: int) -> OrgSettings:
    """The settings in force: the database's values over the environment's defaults."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("The organization does not exist.")
    rows = _rows(session, org_id)
    values = _defaults()
    values.update({key: row.value for key, row in rows.items() if key in values})
    sealed_password = rows.get("smtp_password")
    two_factor = values["two_factor_roles"]
    return OrgSettings(
        org_name=org.name,
        logo_path=org.logo_path,
        default_timezone=org.default_timezone,
        smtp_host=str(values["smtp_host"]),
        smtp_port=int(values["smtp_port"]),
        smtp_tls=str(values["smtp_tls"]),
        smtp_user=str(values["smtp_user"] or ""),
        smtp_password_set=bool(sealed_password.value) if sealed_password else bool(settings.SMTP_PASSWORD),
        smtp_sender=str(values["smtp_sender"]),
        password_min_length=int(values["password_min_length"]),
        session_idle_minutes=int(values["session_idle_minutes"]),
        session_absolute_minutes=int(values["session_absolute_minutes"]),
        registration_mode=org.registration_mode,
        registration_domains=tuple(d for d in org.registration_domains.split(",") if d),
        course_creator_roles=_course_creators(session, org_id),
        two_factor_roles=None if two_factor is None else tuple(two_factor),
        backup_every_hours=int(values["backup_every_hours"]),
        backup_keep=int(values["backup_keep"]),
        backup_folder=str(values["backup_folder"]),
    )


def view(session: Session, actor: Actor) -> OrgSettings:
    """The settings, for the Settings page (settings.manage)."""
    require(actor, "settings.manage")
    return current(session, actor.org_id)


def role_names(session: Session, actor: Actor) -> list[str]:
    """The organization's roles, for choosing who may create courses or must use two-factor sign-in."""
    require(actor, "settings.manage")
    order = {"admin": 0, "instructor": 1, "manager": 2, "learner": 3}
    rows = session.exec(select(Role.name, Role.builtin).where(Role.org_id == actor.org_id)).all()
    return [name for name, builtin in sorted(rows, key=lambda r: (not r[1], order.get(r[0], 9) if r[1] else 0, r[0]))]


def smtp_password(session: Session, org_id: int) -> str:
    """The SMTP password in clear, for the mailer only: the one saved in Settings, else the environment's."""
    row = session.exec(select(OrgSetting).where(OrgSetting.org_id == org_id, OrgSetting.key == "smtp_password")).first()
    if row is None:
        return settings.SMTP_PASSWORD
    return (sealed.unseal(_SEAL_PURPOSE, row.value) or "") if row.value else ""


# --- validation -------------------------------------------------------------------------------

def _int(value: Any, what: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(f"{what} must be a whole number.") from None
    if not low <= number <= high:
        raise Invalid(f"{what} must be between {low} and {high}.")
    return number


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _check_folder(folder: str) -> str:
    folder = str(folder or "").strip()
    if not folder:
        raise Invalid("Choose a folder for the backups.")
    path = Path(folder).expanduser()
    if not path.is_absolute():
        raise Invalid("The backup folder must be a full path, like /var/backups/lms.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".lms-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise Invalid(f"The backup folder {path} cannot be written to ({exc.strerror or exc}).") from None
    return str(path)


def _clean(session: Session, org_id: int, key: str, value: Any) -> Any:
    """The value to store for `key`, or Invalid saying what is wrong."""
    if key == "org_name":
        name = _text(value)
        if not 1 <= len(name) <= 200:
            raise Invalid("The organization's name must have 1 to 200 characters.")
        return name
    if key == "default_timezone":
        zone = str(value or "").strip()
        if not is_time_zone(zone):
            raise Invalid(f"“{zone}” is not a time zone this server knows; choose one like Europe/Paris or America/New_York.")
        return zone
    if key == "smtp_host":
        host = str(value or "").strip()
        if not host or not _HOST.match(host):
            raise Invalid("The mail server must be a host name like smtp.example.com or an IP address.")
        return host
    if key == "smtp_port":
        return _int(value, "The mail server's port", 1, 65535)
    if key == "smtp_tls":
        mode = str(value or "").strip().lower()
        if mode not in SMTP_TLS_MODES:
            raise Invalid("Encryption must be off, STARTTLS or SSL/TLS.")
        return mode
    if key == "smtp_user":
        user = str(value or "").strip()
        if len(user) > 254:
            raise Invalid("The mail server's user name must have at most 254 characters.")
        return user
    if key == "smtp_sender":
        from lms_app.services.csv_import import is_email  # (imports auth, which reads these settings)

        sender = str(value or "").strip()
        address = parseaddr(sender)[1]
        if not address or not is_email(address) or len(sender) > 300:
            raise Invalid("The sender must be an email address, like LMS <no-reply@example.com>.")
        return sender
    if key == "password_min_length":
        return _int(value, "The minimum password length", MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH)
    if key == "session_idle_minutes":
        return _int(value, "Signing out after inactivity (minutes)", MIN_IDLE_MINUTES, MAX_IDLE_MINUTES)
    if key == "session_absolute_minutes":
        return _int(value, "The longest sign-in (minutes)", MIN_ABSOLUTE_MINUTES, MAX_ABSOLUTE_MINUTES)
    if key == "two_factor_roles":
        if value is None:
            return None
        return _role_names(session, org_id, value)
    if key == "backup_every_hours":
        return _int(value, "Hours between backups", 0, MAX_BACKUP_EVERY_HOURS)
    if key == "backup_keep":
        return _int(value, "The number of backups kept", 1, MAX_BACKUP_KEEP)
    if key == "backup_folder":
        return _check_folder(value)
    raise Invalid(f"There is no setting called “{key}”.")


def _role_names(session: Session, org_id: int, names: Any) -> list[str]:
    wanted = [str(n).strip() for n in (names or []) if str(n).strip()]
    known = set(session.exec(select(Role.name).where(Role.org_id == org_id)).all())
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise Invalid(f"There is no role called {', '.join('“' + n + '”' for n in unknown)}.")
    return sorted(set(wanted))


# --- changing settings --------------------------------------------------------------------------

def _shown(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def update(session: Session, actor: Actor, **changes: Any) -> OrgSettings:
    """Change some settings (only the ones given). Every value is checked before anything is
    saved; the change is recorded as one "settings.update" event with the values before and
    after (a new SMTP password appears as "changed", never itself). An empty SMTP password
    keeps the saved one. Self-registration goes through users.set_registration_mode and who
    may create courses through the roles service, each with its own audit event."""
    require(actor, "settings.manage")
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise Invalid(f"There is no setting called {', '.join('“' + k + '”' for k in unknown)}.")
    org_id = actor.org_id
    before_all = current(session, org_id)
    password = changes.pop("smtp_password", None)
    creators = changes.pop("course_creator_roles", None)
    registration = {k: changes.pop(k) for k in _REGISTRATION_FIELDS if k in changes}
    clean = {key: _clean(session, org_id, key, value) for key, value in changes.items()}

    idle = clean.get("session_idle_minutes", before_all.session_idle_minutes)
    absolute = clean.get("session_absolute_minutes", before_all.session_absolute_minutes)
    if idle > absolute:
        raise Invalid("Signing out after inactivity cannot take longer than the longest sign-in.")
    if creators is not None:
        creators = _role_names(session, org_id, creators)

    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in clean.items():
        old = _shown(getattr(before_all, key))
        if old != value:
            before[key], after[key] = old, value
    if password:
        if len(password) > 500:
            raise Invalid("The mail server's password is too long.")
        before["smtp_password"] = "set" if before_all.smtp_password_set else "not set"
        after["smtp_password"] = "changed"

    if registration:
        from lms_app.services import users  # (imports auth, which reads these settings)

        users.set_registration_mode(session, actor, registration.get("registration_mode", before_all.registration_mode),
                                    registration.get("registration_domains", list(before_all.registration_domains)))
    if creators is not None:
        _set_course_creators(session, actor, creators)

    if before or after:
        org = session.get(Organization, org_id)
        rows = _rows(session, org_id)
        now = utcnow()
        for key, value in after.items():
            if key == "org_name":
                org.name = value
            elif key == "default_timezone":
                org.default_timezone = value
            else:
                stored = sealed.seal(_SEAL_PURPOSE, password) if key == "smtp_password" else value
                row = rows.get(key) or OrgSetting(org_id=org_id, key=key)
                row.value, row.updated_at, row.updated_by_id = stored, now, actor.user_id
                session.add(row)
        session.add(org)
        audit.record(session, actor, "settings.update", target_type="organization", target_id=org_id, target_label=org.name,
                     before=before, after=after)
    session.flush()
    return current(session, org_id)


def _set_course_creators(session: Session, actor: Actor, names: list[str]) -> None:
    """Give "courses.create" to exactly these roles (admins always keep it). The choice is kept
    as a setting too, so that an upgrade does not give the permission back to a built-in role."""
    wanted = set(names) | {ADMIN_ROLE}
    row = _rows(session, actor.org_id).get("course_creator_roles") or OrgSetting(org_id=actor.org_id, key="course_creator_roles")
    row.value, row.updated_at, row.updated_by_id = sorted(wanted), utcnow(), actor.user_id
    session.add(row)
    for role in session.exec(select(Role).where(Role.org_id == actor.org_id)).all():
        has = session.exec(select(Permission.id).where(Permission.role_id == role.id, Permission.name == "courses.create")).first() is not None
        if has != (role.name in wanted):
            roles.set_course_creation(session, actor, role.id, role.name in wanted)


# --- the logo -----------------------------------------------------------------------------------

def _logo_type(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if (text.startswith(b"<?xml") or text.startswith(b"<svg") or text.startswith(b"<!--")) and b"<svg" in head:
        return ".svg"
    return None


def store_logo(session: Session, actor: Actor, stream: BinaryIO) -> OrgSettings:
    """Keep an uploaded logo (PNG, JPEG or SVG by content, at most 1 MB) in private storage as the
    organization's logo; the one it replaces is deleted once the change is saved."""
    require(actor, "settings.manage")
    head = stream.read(8192) or b""
    ext = _logo_type(head)
    if ext is None:
        raise Invalid("The logo must be a PNG, JPEG or SVG image.")
    file_path, _ = storage.write(f"logos/{actor.org_id}", ext, head, stream, LOGO_MAX_BYTES, Invalid("The logo must be at most 1 MB."))
    with storage.adopting(session, file_path):
        _set_logo(session, actor, file_path)
    return current(session, actor.org_id)


def remove_logo(session: Session, actor: Actor) -> OrgSettings:
    """Show the organization's name without a logo."""
    require(actor, "settings.manage")
    _set_logo(session, actor, None)
    return current(session, actor.org_id)


def _set_logo(session: Session, actor: Actor, file_path: str | None) -> None:
    org = session.get(Organization, actor.org_id)
    replaced = org.logo_path
    if replaced == file_path:
        return
    org.logo_path = file_path
    session.add(org)
    audit.record(session, actor, "settings.update", target_type="organization", target_id=org.id, target_label=org.name,
                 before={"logo": "set" if replaced else "none"}, after={"logo": "changed" if file_path else "none"})
    if replaced:
        storage.remove_after_commit(session, [replaced])
    session.flush()


def logo_url(org: OrgSettings | Organization) -> str:
    """Where the browser loads the logo ("" without one); the stored name is in the address so a
    new logo is never hidden by a cached old one."""
    path = org.logo_path
    if not path:
        return ""
    return f"/files/org/logo?v={PurePosixPath(path).stem}"


def logo_file(session: Session, actor: Actor) -> tuple[Any, str]:
    """The logo's stored file and its type, for anyone signed in to the organization."""
    require(actor, None)
    org = session.get(Organization, actor.org_id)
    if org is None or not org.logo_path:
        raise NotFound("The organization has no logo.")
    path = storage.resolve(org.logo_path, "logos", "The organization has no logo.")
    return path, LOGO_TYPES.get(path.suffix.lower(), "application/octet-stream")


# --- the test email -------------------------------------------------------------------------------

def connect(conf: OrgSettings, password: str, timeout: float) -> smtplib.SMTP:
    """An open connection to the mail server `conf` names, encrypted as set and signed in when
    there is a user name; smtplib's and the socket's errors pass through."""
    if conf.smtp_tls == "ssl":
        return _signed_in(smtplib.SMTP_SSL(conf.smtp_host, conf.smtp_port, timeout=timeout, context=ssl.create_default_context()), conf, password)
    smtp = smtplib.SMTP(conf.smtp_host, conf.smtp_port, timeout=timeout)
    if conf.smtp_tls == "starttls":
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return _signed_in(smtp, conf, password)


def _signed_in(smtp: smtplib.SMTP, conf: OrgSettings, password: str) -> smtplib.SMTP:
    if conf.smtp_user:
        try:
            smtp.login(conf.smtp_user, password)
        except BaseException:
            smtp.close()
            raise
    return smtp


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def send_test_email(session: Session, actor: Actor, to: str) -> str:
    """Connect to the mail server NOW with the settings in force and send a short email to `to`;
    gives the server's answer to the message. Any failure (no connection, TLS, sign-in, a refused
    address) is an Invalid saying what went wrong in words."""
    require(actor, "settings.manage")
    from lms_app.services.csv_import import is_email  # (imports auth, which reads these settings)

    to = (to or "").strip()
    if not is_email(to):
        raise Invalid("Enter the email address to send the test to.")
    conf = current(session, actor.org_id)
    password = smtp_password(session, actor.org_id)
    sender_address = parseaddr(conf.smtp_sender)[1] or conf.smtp_sender
    where = f"{conf.smtp_host}:{conf.smtp_port}"
    message = EmailMessage()
    message["From"], message["To"] = conf.smtp_sender, to
    message["Subject"] = f"Test email from {conf.org_name}"
    message.set_content(f"This is a test email sent from the Settings page of {conf.org_name} by {actor.name}.\n"
                        "If you can read it, outgoing email works.\n")
    smtp: smtplib.SMTP | None = None
    try:
        smtp = connect(conf, password, TEST_EMAIL_TIMEOUT_SECONDS)
        smtp.ehlo_or_helo_if_needed()
        code, answer = smtp.mail(sender_address)
        if code != 250:
            raise Invalid(f"The mail server refused the sender {sender_address}: {_reply(code, answer)}")
        code, answer = smtp.rcpt(to)
        if code not in (250, 251):
            raise Invalid(f"The mail server refused the address {to}: {_reply(code, answer)}")
        code, answer = smtp.data(message.as_bytes())
        if code != 250:
            raise Invalid(f"The mail server did not accept the message: {_reply(code, answer)}")
        result = _reply(code, answer)
    except smtplib.SMTPAuthenticationError as exc:
        raise Invalid(f"The mail server refused the user name or password: {_reply(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise Invalid(f"The mail server at {where} does not support that: {exc}. Check the encryption setting.") from None
    except smtplib.SMTPResponseException as exc:
        raise Invalid(f"The mail server at {where} answered {_reply(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise Invalid(f"The mail server at {where} closed the connection ({exc or 'no reason given'}). Check the port and the encryption setting.") from None
    except smtplib.SMTPException as exc:
        raise Invalid(f"Sending through {where} failed: {exc}") from None
    except ssl.SSLError as exc:
        raise Invalid(f"The secure connection to {where} failed ({exc.reason or exc}). Check the port and the encryption setting.") from None
    except socket.gaierror:
        raise Invalid(f"The mail server {conf.smtp_host} was not found: check its name.") from None
    except TimeoutError:
        raise Invalid(f"The mail server at {where} did not answer within {TEST_EMAIL_TIMEOUT_SECONDS} seconds.") from None
    except ConnectionRefusedError:
        raise Invalid(f"Could not connect to the mail server at {where}: the connection was refused. Check the host and the port.") from None
    except OSError as exc:
        raise Invalid(f"Could not connect to the mail server at {where}: {exc.strerror or exc}.") from None
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    audit.record(session, actor, "settings.test_email", target_type="organization", target_id=actor.org_id, target_label=conf.org_name,
                 after={"to": to, "server": where, "answer": result})
    return result
