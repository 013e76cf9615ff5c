"""Certificates: issuing (codes, snapshots, expiry in the learner's zone), the PDF read back
(text, and the QR code decoded from the rendered page), verification, revoking, reissuing,
the template and who may download what."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pypdf
import pypdfium2
import pytest
import zxingcpp
from sqlmodel import Session, select

from lms_app.models import AuditEvent, Certificate, Requirement, RequirementAssignment, User, utcnow
from lms_app.services import certificates, courses
from lms_app.services.certificates import TemplateDraft
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.seed import DEMO_ORG_NAME

ADMIN, IRENE, LEO, MAYA = "admin@example.com", "irene@example.com", "leo@example.com", "maya@example.com"


def uid(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def actions(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


@pytest.fixture
def course(demo, session, actor_of):
    c = courses.create_course(session, actor_of(IRENE), "Safe lifting at work")
    session.commit()
    return c


def issue(session, email=LEO, course=None, **kw) -> Certificate:
    certificate = certificates.issue(session, user_id=uid(session, email), course_id=course.id, **kw)
    session.commit()
    return certificate


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def qr_texts(data: bytes) -> list[str]:
    image = pypdfium2.PdfDocument(data)[0].render(scale=2).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image)]


# --- issuing ------------------------------------------------------------------------------------

def test_issue_snapshots_names_and_gives_a_readable_unguessable_code(course, session):
    first = issue(session, course=course)
    second = issue(session, course=course)
    assert first.code != second.code
    assert certificates.normalize_code(first.code) == first.code
    groups = first.code.split("-")
    assert len(groups) == 4 and all(len(g) == 4 and set(g) <= set(certificates.CODE_ALPHABET) for g in groups)
    assert (first.title, first.learner_name, first.expires_at) == ("Safe lifting at work", "Leo Learner", None)
    # The certificate keeps what it said when the course is renamed.
    course.title = "Lifting, revised"
    session.add(course)
    session.commit()
    session.refresh(first)
    assert first.title == "Safe lifting at work"
    event = actions(session, "certificate.issued")[0]
    assert event.after["code"] == first.code and event.target_label == "leo@example.com: Safe lifting at work"


def test_expiry_is_the_end_of_the_day_in_the_learners_zone(course, session):
    # 23:30 UTC on 31 January is already 1 February in Paris (Leo's zone): 12 months on is
    # 1 February 2027, which ends at midnight Paris time (23:00 UTC).
    late = issue(session, course=course, issued_at=datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc), valid_months=12)
    assert late.expires_at == datetime(2027, 2, 1, 23, 0, tzinfo=timezone.utc)
    # A leap day plus a year is the last day of February; summer time in Paris: midnight is 22:00 UTC.
    leap = issue(session, course=course, issued_at=datetime(2024, 2, 29, 12, 0, tzinfo=timezone.utc), valid_months=12)
    assert leap.expires_at == datetime(2025, 2, 28, 23, 0, tzinfo=timezone.utc)
    summer = issue(session, course=course, issued_at=datetime(2026, 3, 31, 9, 0, tzinfo=timezone.utc), valid_months=3)
    assert summer.expires_at == datetime(2026, 6, 30, 22, 0, tzinfo=timezone.utc)


def test_issue_refuses_what_is_not_one_course_or_path(course, session):
    with pytest.raises(Invalid):
        certificates.issue(session, user_id=uid(session, LEO))
    with pytest.raises(Invalid):
        certificates.issue(session, user_id=uid(session, LEO), course_id=course.id, path_id=1)
    with pytest.raises(NotFound):
        certificates.issue(session, user_id=uid(session, LEO), course_id=course.id + 999)
    with pytest.raises(Invalid):
        certificates.issue(session, user_id=uid(session, LEO), course_id=course.id, valid_months=0)


# --- the PDF ------------------------------------------------------------------------------------

def test_pdf_prints_learner_course_dates_code_and_a_qr_code_to_the_verification_page(course, session):
    certificate = issue(session, course=course, issued_at=datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc), valid_months=24)
    data = certificates.render_pdf(session, certificate)
    text = pdf_text(data)
    for expected in ("Leo Learner", "Safe lifting at work", "27 November 2026", "Valid until 27 November 2028", certificate.code,
                     "Certificate of completion", DEMO_ORG_NAME.upper()):
        assert expected in text, expected
    assert qr_texts(data) == [certificates.verification_url(certificate.code)]
    assert certificates.verification_url(certificate.code).endswith(f"/verify/{certificate.code}")


def test_pdf_prints_names_outside_the_core_fonts(course, session):
    leo = session.get(User, uid(session, LEO))
    leo.name = "Łukasz Żółć"
    session.add(leo)
    session.commit()
    certificate = issue(session, course=course)
    data = certificates.render_pdf(session, certificate)
    assert "Łukasz Żółć" in pdf_text(data)
    assert qr_texts(data) == [certificates.verification_url(certificate.code)]


def test_the_template_is_validated_saved_audited_and_used(course, session, actor_of):
    admin = actor_of(ADMIN)
    with pytest.raises(Invalid, match=r"\{name\}, which is not a placeholder. Use \{learner\}, \{course\}, \{date\}, \{expiry\}"):
        certificates.save_template(session, admin, TemplateDraft("Award", "Well done {name}", "", "", ""))
    with pytest.raises(Invalid, match="brace"):
        certificates.save_template(session, admin, TemplateDraft("Award", "Well done {learner", "", "", ""))
    with pytest.raises(PermissionDenied):
        certificates.save_template(session, actor_of(LEO), TemplateDraft("Award", "{learner}", "", "", ""))
    certificates.save_template(session, admin, TemplateDraft(" Award of merit ", "Presented to\n{learner}\nfor {course}, valid until {expiry}.",
                                                             "Dana Director", "Head of Learning", "Kept for ten years"))
    session.commit()
    assert certificates.get_template(session, admin).heading == "Award of merit"
    event = actions(session, "settings.certificate_template_changed")[0]
    assert event.after["heading"] == "Award of merit" and event.before["heading"] == "Certificate of completion"
    text = pdf_text(certificates.render_pdf(session, issue(session, course=course)))
    for expected in ("Award of merit", "Presented to", "for Safe lifting at work, valid until no expiry date.", "Dana Director",
                     "Head of Learning", "Kept for ten years"):
        assert expected in text, expected
    preview = certificates.preview_pdf(session, admin, TemplateDraft("Draft heading", "{learner}", "", "", ""))
    assert "Draft heading" in pdf_text(preview) and certificates.get_template(session, admin).heading == "Award of merit"


# --- verification ---------------------------------------------------------------------------------

def test_verification_says_valid_expired_revoked_with_initials_only(course, session, actor_of):
    valid = issue(session, course=course, issued_at=datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc), valid_months=120)
    found = certificates.verify(session, valid.code.lower().replace("-", " "))
    assert found == certificates.Verification(valid.code, "valid", "Safe lifting at work", "L. L.",
                                              datetime(2026, 1, 10).date(), datetime(2036, 1, 10).date(), None)
    expired = issue(session, course=course, issued_at=utcnow() - timedelta(days=400), valid_months=12)
    assert certificates.verify(session, expired.code).status == "expired"
    revoked = issue(session, course=course)
    certificates.revoke(session, actor_of(ADMIN), revoked.id, "Issued by mistake")
    session.commit()
    answer = certificates.verify(session, revoked.code)
    assert answer.status == "revoked" and answer.revoked_on == utcnow().astimezone(ZoneInfo("Europe/Paris")).date()
    # Unknown and malformed codes get the same answer.
    assert certificates.verify(session, "AAAA-BBBB-CCCC-DDDD") is None
    assert certificates.verify(session, "not a code") is None


# --- revoking and reissuing -------------------------------------------------------------------------

def test_revoke_needs_the_permission_and_a_reason_once(course, session, actor_of):
    certificate = issue(session, course=course)
    with pytest.raises(PermissionDenied):
        certificates.revoke(session, actor_of(LEO), certificate.id, "Mine")
    with pytest.raises(Invalid, match="Say why"):
        certificates.revoke(session, actor_of(ADMIN), certificate.id, "   ")
    certificates.revoke(session, actor_of(ADMIN), certificate.id, "Cheated on the final quiz")
    session.commit()
    assert certificates.status_of(certificate) == "revoked" and certificate.revoked_reason == "Cheated on the final quiz"
    with pytest.raises(Conflict):
        certificates.revoke(session, actor_of(ADMIN), certificate.id, "Again")
    with pytest.raises(NotFound):
        certificates.revoke(session, actor_of(ADMIN), certificate.id + 999, "Gone")
    assert actions(session, "certificate.revoked")[0].after == {"code": certificate.code, "reason": "Cheated on the final quiz"}


def test_reissue_replaces_with_a_new_code_and_todays_name(course, session, actor_of):
    old = issue(session, course=course, issued_at=datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc), valid_months=12)
    requirement = Requirement(org_id=course.org_id, course_id=course.id, audience="everyone")
    session.add(requirement)
    session.flush()
    session.add(RequirementAssignment(org_id=course.org_id, requirement_id=requirement.id, user_id=old.user_id,
                                      due_on=datetime(2026, 2, 1).date(), certificate_id=old.id))
    leo = session.get(User, old.user_id)
    leo.name = "Leo Lerner-Smith"
    session.add(leo)
    session.commit()
    with pytest.raises(PermissionDenied):
        certificates.reissue(session, actor_of(LEO), old.id)
    new = certificates.reissue(session, actor_of(ADMIN), old.id)
    session.commit()
    session.refresh(old)
    assert new.code != old.code and new.replaces_id == old.id and new.learner_name == "Leo Lerner-Smith"
    assert (new.issued_at, new.expires_at) == (old.issued_at, old.expires_at)
    assert certificates.status_of(old) == "revoked" and old.revoked_reason == "Reissued"
    assert session.exec(select(RequirementAssignment.certificate_id)).one() == new.id
    assert actions(session, "certificate.reissued")[0].before["code"] == old.code
    with pytest.raises(Conflict, match="revoked"):
        certificates.reissue(session, actor_of(ADMIN), old.id)


# --- lists and downloads ----------------------------------------------------------------------------

def test_lists_search_filter_and_page(course, session, actor_of):
    admin = actor_of(ADMIN)
    mine = issue(session, course=course)
    other = issue(session, email="amara@example.com", course=course, issued_at=utcnow() - timedelta(days=800), valid_months=12)
    revoked = issue(session, email="amara@example.com", course=course)
    certificates.revoke(session, admin, revoked.id, "Wrong person")
    session.commit()
    assert [r.id for r in certificates.my_certificates(session, actor_of(LEO))] == [mine.id]
    rows, total = certificates.list_certificates(session, admin)
    assert total == 3 and {r.status for r in rows} == {"valid", "expired", "revoked"}
    assert [r.id for r in certificates.list_certificates(session, admin, status="expired")[0]] == [other.id]
    assert [r.id for r in certificates.list_certificates(session, admin, status="revoked")[0]] == [revoked.id]
    assert [r.id for r in certificates.list_certificates(session, admin, search="leo@")[0]] == [mine.id]
    assert [r.id for r in certificates.list_certificates(session, admin, search=mine.code[:9].lower())[0]] == [mine.id]
    page2, total = certificates.list_certificates(session, admin, page=2, page_size=2)
    assert total == 3 and len(page2) == 1
    with pytest.raises(Invalid):
        certificates.list_certificates(session, admin, status="lost")
    with pytest.raises(PermissionDenied):
        certificates.list_certificates(session, actor_of(LEO))


def test_download_is_for_the_learner_their_manager_and_certificate_admins(course, session, actor_of):
    certificate = issue(session, course=course)
    for email in (LEO, MAYA, ADMIN):  # Maya manages Sales, Leo's department
        data, name = certificates.download(session, actor_of(email), certificate.id)
        assert data.startswith(b"%PDF") and name == "Certificate - Safe lifting at work - Leo Learner.pdf"
    for email in (IRENE, "amara@example.com"):
        with pytest.raises(PermissionDenied):
            certificates.download(session, actor_of(email), certificate.id)
    with pytest.raises(NotFound):
        certificates.download(session, actor_of(ADMIN), certificate.id + 999)
