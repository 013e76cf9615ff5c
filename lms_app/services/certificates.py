"""Certificates: issued on completion, verified by anyone holding the code, revoked or reissued
by admins, downloaded as a PDF by the learner, their manager and admins.

A certificate copies the learner's name and the course's title when it is issued: it stays
verifiable after either changes (or the person is anonymized). Its verification code is the
only public handle on it, so it is random and long enough that guessing one is hopeless.
"""

from __future__ import annotations

import io
import re
import secrets
import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pypdfium2
from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import Certificate, CertificateTemplate, Course, LearningPath, Organization, RequirementAssignment, User, utcnow
from lms_app.services import audit, certificate_pdf, storage, teams
from lms_app.services.due_dates import add_months, end_of_day, local_date
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

# No 0/O, 1/I/L or U/V look-alikes: a code read aloud or typed from paper comes out right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 4  # 16 characters, about 78 bits

PLACEHOLDERS = {
    "learner": "the learner's name",
    "course": "the course or learning path",
    "date": "the date of issue",
    "expiry": "the expiry date",
}
DEFAULT_HEADING = "Certificate of completion"
# A line holding only {learner} or {course} is printed large, as the certificate's subject.
DEFAULT_BODY = "This certifies that\n{learner}\nhas successfully completed\n{course}\non {date}."
NO_EXPIRY = "no expiry date"
MAX_REASON = 500
STATUSES = {"valid": "Valid", "expired": "Expired", "revoked": "Revoked"}
PAGE_SIZE = 20
_INSTANT = timedelta(microseconds=1)


# --- codes and addresses --------------------------------------------------------------------------

def new_code() -> str:
    """A fresh random code, grouped for reading: 'K7QM-3XTR-9BWZ-HPDA'."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return "-".join(raw[i:i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))


def normalize_code(text: str) -> str:
    """A code as typed (any case, spaces or dashes anywhere) in its printed form, or '' when it
    cannot be one."""
    raw = re.sub(r"[\s\-]", "", (text or "")[:64]).upper()
    if len(raw) != CODE_GROUPS * CODE_GROUP_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return ""
    return "-".join(raw[i:i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))


def verification_url(code: str) -> str:
    """The public page that says whether the certificate with this code is valid."""
    return f"{settings.PUBLIC_URL}/verify/{code}"


# --- status -------------------------------------------------------------------------------------

def status_of(certificate: Certificate, now: datetime | None = None) -> str:
    """valid | expired | revoked (a revoked certificate stays revoked after it would have expired)."""
    if certificate.revoked_at is not None:
        return "revoked"
    if certificate.expires_at is not None and certificate.expires_at <= (now or utcnow()):
        return "expired"
    return "valid"


def _status_condition(status: str, now: datetime):
    if status == "revoked":
        return Certificate.revoked_at.is_not(None)
    if status == "expired":
        return Certificate.revoked_at.is_(None) & Certificate.expires_at.is_not(None) & (Certificate.expires_at <= now)
    return Certificate.revoked_at.is_(None) & (Certificate.expires_at.is_(None) | (Certificate.expires_at > now))


def _learner_zone(session: Session, user: User | None, org_id: int) -> str:
    if user is not None and user.timezone:
        return user.timezone
    org = session.get(Organization, org_id)
    return org.default_timezone if org else "UTC"


def long_date(day: date) -> str:
    """'27 November 2026': the way a certificate prints a date."""
    return f"{day.day} {day:%B %Y}"


def last_valid_day(expires_at: datetime, tz: str | None) -> date:
    """The last day a certificate is valid, in zone `tz`: it expires when that day ends."""
    return local_date(expires_at - _INSTANT, tz)


# --- issuing ------------------------------------------------------------------------------------

def issue(session: Session, *, user_id: int, course_id: int | None = None, path_id: int | None = None,
          enrollment_id: int | None = None, issued_at: datetime | None = None, valid_months: int | None = None) -> Certificate:
    """Issue a certificate for a completed course or learning path (no actor: completing is what
    earns it). With `valid_months` it expires at the end of that day, so many months after the
    day of issue, in the learner's time zone. Audited as "certificate.issued"."""
    if (course_id is None) == (path_id is None):
        raise Invalid("A certificate is for one course or one learning path.")
    if valid_months is not None and valid_months < 1:
        raise Invalid("A certificate stays valid for at least one month.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That person does not exist.")
    subject = session.get(Course, course_id) if course_id is not None else session.get(LearningPath, path_id)
    if subject is None or subject.org_id != user.org_id:
        raise NotFound("That course does not exist." if course_id is not None else "That learning path does not exist.")
    issued_at = issued_at or utcnow()
    expires_at = None
    if valid_months is not None:
        tz = _learner_zone(session, user, user.org_id)
        expires_at = end_of_day(add_months(local_date(issued_at, tz), valid_months), tz)
    certificate = Certificate(
        org_id=user.org_id, user_id=user.id, course_id=course_id, path_id=path_id, enrollment_id=enrollment_id,
        code=_unused_code(session), title=subject.title, learner_name=user.name, issued_at=issued_at, expires_at=expires_at,
    )
    session.add(certificate)
    session.flush()
    audit.record(session, None, "certificate.issued", org_id=user.org_id, actor_label="", target_type="certificate",
                 target_id=certificate.id, target_label=f"{user.email}: {subject.title}",
                 after={"learner": user.email, "title": subject.title, "code": certificate.code,
                        "issued_at": issued_at, "expires_at": expires_at, "valid_months": valid_months})
    return certificate


def _unused_code(session: Session) -> str:
    while True:  # a collision is astronomically unlikely; the unique index is the real guard
        code = new_code()
        if session.exec(select(Certificate.id).where(Certificate.code == code)).first() is None:
            return code


def _managed(session: Session, actor: Actor, certificate_id: int) -> Certificate:
    require(actor, "certificates.manage")
    certificate = session.get(Certificate, certificate_id) if certificate_id else None
    if certificate is None or certificate.org_id != actor.org_id:
        raise NotFound("That certificate does not exist.")
    return certificate


def _label(session: Session, certificate: Certificate) -> str:
    user = session.get(User, certificate.user_id)
    return f"{user.email if user else certificate.learner_name}: {certificate.title}"


def revoke(session: Session, actor: Actor, certificate_id: int, reason: str) -> Certificate:
    """Revoke a certificate: its verification page says so from now on. The reason is required
    (it is recorded and told to whoever asks why)."""
    certificate = _managed(session, actor, certificate_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid("Say why the certificate is revoked.")
    if len(reason) > MAX_REASON:
        raise Invalid(f"The reason must have at most {MAX_REASON} characters.")
    if certificate.revoked_at is not None:
        raise Conflict("This certificate is already revoked.")
    _revoke(session, actor, certificate, reason)
    audit.record(session, actor, "certificate.revoked", target_type="certificate", target_id=certificate.id,
                 target_label=_label(session, certificate), after={"code": certificate.code, "reason": reason})
    return certificate


def _revoke(session: Session, actor: Actor, certificate: Certificate, reason: str) -> None:
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.user_id
    session.add(certificate)
    session.flush()


def reissue(session: Session, actor: Actor, certificate_id: int) -> Certificate:
    """Replace a certificate by a new one (new code, today's name and title, same dates), e.g.
    after the learner's name changed; the old one is revoked as "Reissued". A revoked
    certificate cannot be reissued: that would undo its revocation."""
    old = _managed(session, actor, certificate_id)
    if old.revoked_at is not None:
        raise Conflict("This certificate was revoked; a revoked certificate cannot be reissued.")
    user = session.get(User, old.user_id)
    subject = session.get(Course, old.course_id) if old.course_id else (session.get(LearningPath, old.path_id) if old.path_id else None)
    new = Certificate(
        org_id=old.org_id, user_id=old.user_id, course_id=old.course_id, path_id=old.path_id, enrollment_id=old.enrollment_id,
        code=_unused_code(session), title=subject.title if subject else old.title, learner_name=user.name if user else old.learner_name,
        issued_at=old.issued_at, expires_at=old.expires_at, replaces_id=old.id,
    )
    session.add(new)
    _revoke(session, actor, old, "Reissued")
    # The requirements it satisfied are satisfied by its replacement.
    session.execute(update(RequirementAssignment).where(RequirementAssignment.certificate_id == old.id).values(certificate_id=new.id))
    audit.record(session, actor, "certificate.reissued", target_type="certificate", target_id=new.id, target_label=_label(session, new),
                 before={"code": old.code, "learner": old.learner_name, "title": old.title},
                 after={"code": new.code, "learner": new.learner_name, "title": new.title, "replaces": old.id})
    return new


# --- lists ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateRow:
    id: int
    code: str
    title: str
    learner_name: str
    learner_email: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str
    status: str
    replaces_id: int | None


def _rows(pairs, now: datetime) -> list[CertificateRow]:
    return [CertificateRow(c.id, c.code, c.title, c.learner_name, email or "", c.issued_at, c.expires_at, c.revoked_at, c.revoked_reason,
                           status_of(c, now), c.replaces_id) for c, email in pairs]


def my_certificates(session: Session, actor: Actor) -> list[CertificateRow]:
    """The actor's own certificates, newest first (replaced ones included: they are history)."""
    require(actor, "learning.view")
    pairs = session.exec(
        select(Certificate, User.email).join(User, User.id == Certificate.user_id)
        .where(Certificate.user_id == actor.user_id).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    return _rows(pairs, utcnow())


def list_certificates(session: Session, actor: Actor, *, search: str = "", status: str = "", page: int = 1,
                      page_size: int = PAGE_SIZE) -> tuple[list[CertificateRow], int]:
    """The organization's certificates, newest first: one page and the total. `search` finds
    the learner (name or email), the title or the code; `status` is valid, expired or revoked."""
    require(actor, "certificates.manage")
    if status and status not in STATUSES:
        raise Invalid("Choose a status: valid, expired or revoked.")
    now = utcnow()
    stmt = select(Certificate, User.email).join(User, User.id == Certificate.user_id, isouter=True).where(Certificate.org_id == actor.org_id)
    search = (search or "").strip()[:100]
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Certificate.learner_name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"),
                              Certificate.title.ilike(pattern, escape="\\"), Certificate.code.ilike(pattern, escape="\\")))
    if status:
        stmt = stmt.where(_status_condition(status, now))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    page = max(1, int(page))
    pairs = session.exec(stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc()).offset((page - 1) * page_size).limit(page_size)).all()
    return _rows(pairs, now), total


# --- verification (public) ------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    code: str
    status: str  # valid | expired | revoked
    title: str
    initials: str
    issued_on: date
    expires_on: date | None
    revoked_on: date | None


def initials(name: str) -> str:
    """'L. L.' for 'Leo Learner': enough to match the paper in hand, nothing more."""
    return " ".join(f"{part[0].upper()}." for part in (name or "").split()[:3] if part[0].isalnum()) or "—"


def verify(session: Session, code: str) -> Verification | None:
    """What anyone holding a code may learn: status, title, dates, the learner's initials.
    None for a code no certificate has (the same answer whether it was malformed or unknown)."""
    normalized = normalize_code(code)
    if not normalized:
        return None
    found = session.exec(select(Certificate, User).join(User, User.id == Certificate.user_id, isouter=True)
                         .where(Certificate.code == normalized)).first()
    if found is None:
        return None
    certificate, user = found
    tz = _learner_zone(session, user, certificate.org_id)
    return Verification(
        normalized, status_of(certificate), certificate.title, initials(certificate.learner_name),
        local_date(certificate.issued_at, tz),
        last_valid_day(certificate.expires_at, tz) if certificate.expires_at else None,
        local_date(certificate.revoked_at, tz) if certificate.revoked_at else None,
    )


# --- the template -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateDraft:
    heading: str
    body: str
    signature_name: str
    signature_title: str
    footer: str


def template_of(session: Session, org_id: int) -> CertificateTemplate:
    """The organization's template, or the default one (not stored until an admin saves it)."""
    found = session.exec(select(CertificateTemplate).where(CertificateTemplate.org_id == org_id)).first()
    return found or CertificateTemplate(org_id=org_id, heading=DEFAULT_HEADING, body=DEFAULT_BODY)


def get_template(session: Session, actor: Actor) -> TemplateDraft:
    require(actor, "certificates.manage")
    t = template_of(session, actor.org_id)
    return TemplateDraft(t.heading, t.body, t.signature_name, t.signature_title, t.footer)


_FIELDS = (("heading", "heading", 200), ("body", "text", 2000), ("signature_name", "signer's name", 200),
           ("signature_title", "signer's title", 200), ("footer", "footer", 500))


def clean_template(draft: TemplateDraft) -> TemplateDraft:
    """The draft with its text trimmed, or Invalid saying what is wrong (an unknown placeholder,
    a stray brace, text too long)."""
    values = {}
    for name, label, limit in _FIELDS:
        value = "\n".join(line.strip() for line in str(getattr(draft, name) or "").strip().splitlines())
        if len(value) > limit:
            raise Invalid(f"The {label} must have at most {limit} characters.")
        _check_placeholders(value, label)
        values[name] = value
    if not values["heading"]:
        raise Invalid("Give the certificate a heading.")
    if not values["body"]:
        raise Invalid("Write the certificate's text.")
    return TemplateDraft(**values)


def _check_placeholders(text: str, label: str) -> None:
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError:
        raise Invalid(f"The {label} has a brace that does not belong to a placeholder. Placeholders are {known}.") from None
    for field_name in fields:
        if field_name not in PLACEHOLDERS:
            shown = "{" + field_name + "}" if field_name else "{}"
            raise Invalid(f"The {label} uses {shown}, which is not a placeholder. Use {known}.")


def save_template(session: Session, actor: Actor, draft: TemplateDraft) -> TemplateDraft:
    """Save the organization's template. Audited as "settings.certificate_template_changed"."""
    require(actor, "certificates.manage")
    clean = clean_template(draft)
    template = template_of(session, actor.org_id)
    before = {name: getattr(template, name) for name, _, _ in _FIELDS}
    after = {name: getattr(clean, name) for name, _, _ in _FIELDS}
    changed = {k for k in after if before[k] != after[k]}
    if not changed and template.id is not None:
        return clean
    for name, value in after.items():
        setattr(template, name, value)
    template.updated_at, template.updated_by_id = utcnow(), actor.user_id
    session.add(template)
    session.flush()
    audit.record(session, actor, "settings.certificate_template_changed", target_type="certificate_template", target_id=template.id,
                 target_label="the certificate template", before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return clean


# --- the PDF ------------------------------------------------------------------------------------

def _fill(text: str, values: dict[str, str]) -> str:
    # Placeholders were checked on save; a template saved before a placeholder was retired
    # still prints (the unknown one as typed) rather than failing the certificate.
    return re.sub(r"\{(\w*)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _content(session: Session, certificate: Certificate, draft: TemplateDraft) -> certificate_pdf.CertificateContent:
    org = session.get(Organization, certificate.org_id)
    user = session.get(User, certificate.user_id)
    tz = _learner_zone(session, user, certificate.org_id)
    issued = long_date(local_date(certificate.issued_at, tz))
    expiry = long_date(last_valid_day(certificate.expires_at, tz)) if certificate.expires_at else ""
    values = {"learner": certificate.learner_name, "course": certificate.title, "date": issued, "expiry": expiry or NO_EXPIRY}
    return certificate_pdf.CertificateContent(
        organization=org.name if org else "",
        logo=_logo_path(org),
        heading=_fill(draft.heading, values),
        body_lines=[(line, _fill(line, values)) for line in draft.body.splitlines() if line.strip()],
        issued=issued,
        expiry=expiry,
        signature_name=draft.signature_name,
        signature_title=draft.signature_title,
        footer=_fill(draft.footer, values),
        code=certificate.code,
        url=verification_url(certificate.code),
    )


def _logo_path(org: Organization | None) -> str | None:
    if org is None or not org.logo_path:
        return None
    try:
        return str(storage.resolve(org.logo_path, "logos", "The organization's logo is missing."))
    except NotFound:
        return None  # a lost logo leaves its space empty; the certificate still prints


def render_pdf(session: Session, certificate: Certificate) -> bytes:
    """The certificate as a PDF (landscape A4) from the organization's template."""
    t = template_of(session, certificate.org_id)
    draft = TemplateDraft(t.heading, t.body, t.signature_name, t.signature_title, t.footer)
    return certificate_pdf.render(_content(session, certificate, draft))


def preview_pdf(session: Session, actor: Actor, draft: TemplateDraft) -> bytes:
    """A sample certificate printed with an unsaved draft of the template (for the editor)."""
    require(actor, "certificates.manage")
    clean = clean_template(draft)
    now = utcnow()
    sample = Certificate(org_id=actor.org_id, user_id=actor.user_id, code="SAMP-LE00-0000-0000", title="Workplace safety essentials",
                         learner_name="Alex Example", issued_at=now, expires_at=end_of_day(add_months(now.date(), 24), "UTC"))
    return certificate_pdf.render(_content(session, sample, clean))


def preview_png(session: Session, actor: Actor, draft: TemplateDraft, *, width: int = 1000) -> bytes:
    """The sample certificate of `preview_pdf` as a PNG image `width` pixels wide."""
    document = pypdfium2.PdfDocument(preview_pdf(session, actor, draft))
    try:
        page = document[0]
        image = page.render(scale=width / page.get_width()).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def download(session: Session, actor: Actor, certificate_id: int) -> tuple[bytes, str]:
    """The certificate's PDF and a readable file name, for its learner, their manager or
    whoever manages certificates."""
    certificate = session.get(Certificate, certificate_id) if certificate_id else None
    if certificate is None or certificate.org_id != actor.org_id:
        raise NotFound("That certificate does not exist.")
    allowed = (certificate.user_id == actor.user_id or actor.can("certificates.manage")
               or (actor.can("teams.view") and certificate.user_id in teams.team_member_ids(session, actor.user_id)))
    if not allowed:
        raise PermissionDenied("Only the learner, their manager and certificate administrators may download this certificate.")
    return render_pdf(session, certificate), file_name(certificate)


def file_name(certificate: Certificate) -> str:
    """'Certificate - Safe lifting - Leo Learner.pdf' (characters a file system refuses dropped)."""
    text = f"Certificate - {certificate.title} - {certificate.learner_name}"
    text = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", text)
    return " ".join(text.split())[:150] + ".pdf"

