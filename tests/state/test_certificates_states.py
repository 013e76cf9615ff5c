"""The certificate pages' handlers, run in-process as the server runs them for a browser: the
learner's list, the admin's template editor with its preview and the issued list (revoke,
reissue), and the public verification page (valid, expired, revoked, unknown)."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from PIL import Image
from sqlmodel import Session, select

from lms_app.models import AuditEvent, Certificate, User, utcnow
from lms_app.services import audit_log, certificates, courses
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.certificates import AdminCertificatesState, LearnerCertificatesState, VerifyState
from tests.state.harness import Browser, signed_in_browser, toast_text

ADMIN, LEO = "admin@example.com", "leo@example.com"


def _issue(session: Session, actor_of, email: str = LEO, **kw) -> Certificate:
    course = session.exec(select(courses.Course)).first() or courses.create_course(session, actor_of("irene@example.com"), "Safe lifting at work")
    user_id = session.exec(select(User.id).where(User.email == email)).one()
    certificate = certificates.issue(session, user_id=user_id, course_id=course.id, **kw)
    session.commit()
    return certificate


def _verify(code: str) -> VerifyState:
    browser = Browser(None, f"/verify/{code}")
    browser.call(VerifyState, "load")
    return browser.state(VerifyState)


def test_verification_page_valid_expired_revoked_and_unknown(demo, session, actor_of):
    valid = _issue(session, actor_of, valid_months=24)
    state = _verify(valid.code)
    assert (state.checked, state.found, state.status, state.status_label) == (True, True, "valid", "Valid")
    assert (state.title, state.initials, state.revoked) == ("Safe lifting at work", "L. L.", "")
    assert state.issued and state.expires
    # Nothing else personal reaches the page: no name, email or id in any of its fields.
    shown = " ".join(str(getattr(state, f)) for f in ("code", "status", "title", "initials", "issued", "expires", "revoked"))
    assert "Leo" not in shown and "leo@" not in shown

    expired = _issue(session, actor_of, issued_at=utcnow() - timedelta(days=800), valid_months=12)
    assert _verify(expired.code).status_label == "Expired"

    revoked = _issue(session, actor_of)
    certificates.revoke(session, actor_of(ADMIN), revoked.id, "Issued to the wrong person")
    session.commit()
    state = _verify(revoked.code.lower())
    assert state.status == "revoked" and state.revoked != "" and "wrong person" not in state.title

    for code in ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", "hello", "%27%20or%201=1"):
        state = _verify(code)
        assert (state.checked, state.found, state.title) == (True, False, "")


def test_learner_sees_own_certificates_with_download_links(demo, session, actor_of):
    mine = _issue(session, actor_of)
    _issue(session, actor_of, email="amara@example.com")
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/learn/certificates")
    browser.call(LearnerCertificatesState, "load")
    rows = browser.state(LearnerCertificatesState).rows
    assert [(r.title, r.status_label, r.expires, r.download_url, r.verify_url) for r in rows] == [
        ("Safe lifting at work", "Valid", "No expiry", f"/certificates/{mine.id}.pdf", f"/verify/{mine.code}")]


def test_template_editor_previews_refuses_unknown_placeholders_and_saves(demo, session, actor_of):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/certificates")
    browser.call(AdminCertificatesState, "load")
    state = browser.state(AdminCertificatesState)
    assert state.heading == "Certificate of completion" and "{learner}" in state.body
    first_preview = state.preview
    image = Image.open(io.BytesIO(base64.b64decode(first_preview.split(",", 1)[1])))
    assert image.width == 1000 and 705 <= image.height <= 709  # landscape A4

    browser.call(AdminCertificatesState, "edit_template", "body", "Well done {name}")
    assert "{name}, which is not a placeholder" in state.template_error and state.preview == first_preview
    result = browser.call(AdminCertificatesState, "save_template")
    assert "{name}, which is not a placeholder" in toast_text(result)

    browser.call(AdminCertificatesState, "edit_template", "body", "Awarded to\n{learner}\nfor {course}")
    browser.call(AdminCertificatesState, "edit_template", "heading", "Award of merit")
    assert state.template_error == "" and state.preview != first_preview and state.dirty
    assert "saved" in toast_text(browser.call(AdminCertificatesState, "save_template"))
    assert certificates.get_template(session, actor_of(ADMIN)).heading == "Award of merit"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "settings.certificate_template_changed")).one()
    # (PostgreSQL keeps a JSON object's keys in its own order.)
    assert audit_log.sentence(event) in ("Ada Admin changed the heading and text of the certificate template",
                                         "Ada Admin changed the text and heading of the certificate template")

    # A learner cannot read the template or preview a draft.
    learner = signed_in_browser(session, LEO, DEMO_PASSWORD, "/admin/certificates")
    assert toast_text(learner.call(AdminCertificatesState, "load")) == "You do not have permission to do that."


def test_admin_lists_filters_revokes_and_reissues(demo, session, actor_of):
    leo = _issue(session, actor_of)
    amara = _issue(session, actor_of, email="amara@example.com", issued_at=utcnow() - timedelta(days=800), valid_months=12)
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/certificates")
    browser.call(AdminCertificatesState, "load")
    state = browser.state(AdminCertificatesState)
    assert state.total == 2 and state.range_label == "1–2 of 2"
    browser.call(AdminCertificatesState, "set_status_filter", "expired")
    assert [r.id for r in state.rows] == [str(amara.id)] and state.filtered
    browser.call(AdminCertificatesState, "clear_filters")
    browser.call(AdminCertificatesState, "set_search", "leo")
    assert [r.id for r in state.rows] == [str(leo.id)]

    browser.call(AdminCertificatesState, "ask_revoke", str(leo.id))
    assert state.revoke_open and state.target_label == "Safe lifting at work (Leo Learner)"
    assert toast_text(browser.call(AdminCertificatesState, "revoke", {"reason": " "})) == "Say why the certificate is revoked."
    assert state.revoke_open
    browser.call(AdminCertificatesState, "revoke", {"reason": "Completed on someone else's account"})
    assert not state.revoke_open and state.rows[0].status == "revoked"
    assert state.rows[0].note == "Revoked: Completed on someone else's account"

    browser.call(AdminCertificatesState, "clear_filters")
    browser.call(AdminCertificatesState, "ask_reissue", str(amara.id))
    result = browser.call(AdminCertificatesState, "reissue")
    assert "reissued with the code" in toast_text(result) and not state.reissue_open
    assert state.total == 3
    replaced = next(r for r in state.rows if r.id == str(amara.id))
    assert replaced.status == "revoked" and replaced.note == "Replaced by a new certificate"
    # Asking about a certificate not on the page opens nothing.
    browser.call(AdminCertificatesState, "ask_revoke", "999999")
    assert not state.revoke_open
    events = [(e.action, audit_log.sentence(e)) for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()]
    assert ("certificate.revoked", f"Ada Admin revoked the certificate {leo.code} (leo@example.com: Safe lifting at work): "
                                   "Completed on someone else's account") in events
    assert ("certificate.issued", f"amara@example.com was awarded the certificate {amara.code} for Safe lifting at work, "
                                  "valid for 12 months") in events
