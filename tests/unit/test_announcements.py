"""Course announcements: who may post, read, edit and delete; unread arithmetic; the unread
counts of My learning in one query; email to active learners only when asked; validation;
the audit trail."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from lms_app import db
from lms_app.models import AnnouncementSeen, AuditEvent, Enrollment, Job, OutgoingEmail, User, utcnow
from lms_app.services import announcements, courses, enrollment
from lms_app.services.errors import Invalid, NotFound, PermissionDenied

ADMIN, IRENE, ISAAC, MAYA, LEO = "admin@example.com", "irene@example.com", "isaac@example.com", "maya@example.com", "leo@example.com"
AMARA, BEN, CHLOE = "amara@example.com", "ben@example.com", "chloe@example.com"


def uid(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def course_with(session, instructor, learners, title="Store safety") -> int:
    """A published course taught by `instructor`, each of `learners` enrolled."""
    c = courses.create_course(session, instructor, title)
    m = courses.add_module(session, instructor, c.id, "Basics")
    courses.add_lesson(session, instructor, m.id, "One", "text", {"markdown": "Read me."})
    courses.update_course(session, instructor, c.id, self_enrollment=True)
    courses.set_visibility(session, instructor, c.id, "published")
    for learner in learners:
        enrollment.self_enroll(session, learner, c.id)
    session.commit()
    return c.id


def test_course_staff_post_and_enrolled_learners_read(demo, session, actor_of):
    irene, isaac, leo, maya, admin = (actor_of(e) for e in (IRENE, ISAAC, LEO, MAYA, ADMIN))
    cid = course_with(session, irene, [leo])
    first = announcements.post(session, irene, cid, "Welcome", "Start with **Basics**.").announcement
    session.commit()
    assert (first.author_id, first.emailed, first.edited_at) == (irene.user_id, False, None)

    # A learner, a manager and an instructor of other courses cannot post.
    for outsider in (leo, maya, isaac):
        with pytest.raises(PermissionDenied, match="Only the course's staff can post announcements."):
            announcements.post(session, outsider, cid, "Hi", "Hello")
    # An assistant of the course may post; so may an admin (courses.manage).
    courses.add_staff(session, irene, cid, uid(session, ISAAC), "assistant")
    session.commit()
    announcements.post(session, isaac, cid, "Office hours", "Thursdays at 10.", now=utcnow() + timedelta(seconds=1))
    announcements.post(session, admin, cid, "Maintenance", "Down on Sunday.", now=utcnow() + timedelta(seconds=2))
    session.commit()

    listing = announcements.list_for_course(session, leo, cid)
    assert [a.title for a in listing.announcements] == ["Maintenance", "Office hours", "Welcome"]
    assert [a.author_name for a in listing.announcements] == ["Ada Admin", "Isaac Instructor", "Irene Instructor"]
    assert not listing.is_staff and not any(a.can_change for a in listing.announcements)
    staff_view = announcements.list_for_course(session, irene, cid)
    assert staff_view.is_staff and staff_view.unread == 0

    with pytest.raises(PermissionDenied, match="You are not enrolled in this course."):
        announcements.list_for_course(session, maya, cid)
    with pytest.raises(NotFound):
        announcements.list_for_course(session, leo, 999_999)


def test_withdrawn_and_expired_learners_no_longer_read_but_completed_ones_do(demo, session, actor_of):
    irene, leo, amara, ben = (actor_of(e) for e in (IRENE, LEO, AMARA, BEN))
    cid = course_with(session, irene, [leo, amara, ben])
    announcements.post(session, irene, cid, "Welcome", "Hello.")
    runs = {r.user_id: r for r in session.exec(select(Enrollment).where(Enrollment.course_id == cid)).all()}
    runs[leo.user_id].status = "completed"
    runs[amara.user_id].expires_at = utcnow() - timedelta(minutes=1)  # access ended, the job has not run yet
    runs[ben.user_id].status = "withdrawn"
    session.add_all(runs.values())
    session.commit()

    assert [a.title for a in announcements.list_for_course(session, leo, cid).announcements] == ["Welcome"]
    for gone in (amara, ben):
        with pytest.raises(PermissionDenied, match="You are not enrolled in this course."):
            announcements.list_for_course(session, gone, cid)
        assert announcements.unread_counts(session, gone) == {}


def test_who_may_edit_and_delete(demo, session, actor_of):
    irene, isaac, leo, admin = (actor_of(e) for e in (IRENE, ISAAC, LEO, ADMIN))
    cid = course_with(session, irene, [leo])
    courses.add_staff(session, irene, cid, uid(session, ISAAC), "assistant")
    by_irene = announcements.post(session, irene, cid, "Welcome", "Hello.").announcement
    by_isaac = announcements.post(session, isaac, cid, "Office hours", "Thursdays.").announcement
    session.commit()

    # The assistant changes their own announcement only; the instructor any of the course's.
    edited = announcements.edit(session, isaac, by_isaac.id, "Office hours moved", "Fridays.")
    assert (edited.title, edited.body) == ("Office hours moved", "Fridays.") and edited.edited_at is not None
    with pytest.raises(PermissionDenied, match="Only its author or the course's instructors"):
        announcements.edit(session, isaac, by_irene.id, "Mine now", "x")
    with pytest.raises(PermissionDenied):
        announcements.delete(session, leo, by_irene.id)
    assert {a.id: a.can_change for a in announcements.list_for_course(session, isaac, cid).announcements} == {by_irene.id: False, by_isaac.id: True}
    assert all(a.can_change for a in announcements.list_for_course(session, irene, cid).announcements)

    announcements.delete(session, irene, by_isaac.id)
    announcements.edit(session, admin, by_irene.id, "Welcome!", "Hello.")
    session.commit()
    assert [a.title for a in announcements.list_for_course(session, leo, cid).announcements] == ["Welcome!"]
    with pytest.raises(NotFound, match="That announcement does not exist."):
        announcements.delete(session, irene, by_isaac.id)

    # Once off the course's staff, its author changes nothing.
    courses.remove_staff(session, irene, cid, uid(session, ISAAC))
    session.commit()
    with pytest.raises(PermissionDenied):
        announcements.delete(session, isaac, by_irene.id)


def test_posting_and_deleting_are_in_the_audit_trail(demo, session, actor_of):
    irene = actor_of(IRENE)
    cid = course_with(session, irene, [actor_of(LEO)])
    posted = announcements.post(session, irene, cid, "Welcome", "Hello.", email=True).announcement
    announcements.edit(session, irene, posted.id, "Welcome all", "Hello.")
    announcements.delete(session, irene, posted.id)
    session.commit()
    (post_event,) = events(session, "announcement.posted")
    assert post_event.actor_id == irene.user_id and post_event.target_id == str(posted.id)
    assert post_event.after == {"course": "Store safety", "title": "Welcome", "emailed_to": 1}
    (edit_event,) = events(session, "announcement.edited")
    assert (edit_event.before, edit_event.after) == ({"title": "Welcome"}, {"title": "Welcome all"})
    (delete_event,) = events(session, "announcement.deleted")
    assert delete_event.before["title"] == "Welcome all" and delete_event.before["emailed"] is True


def test_unread_until_seen_and_again_after_a_new_post(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    cid = course_with(session, irene, [leo])
    t0 = utcnow()
    announcements.post(session, irene, cid, "One", "1", now=t0)
    announcements.post(session, irene, cid, "Two", "2", now=t0 + timedelta(minutes=1))
    session.commit()
    # Never opened: everything is unread.
    assert announcements.unread_counts(session, leo) == {cid: 2}
    assert announcements.list_for_course(session, leo, cid).unread == 2

    announcements.mark_seen(session, leo, cid, now=t0 + timedelta(minutes=2))
    session.commit()
    assert announcements.unread_counts(session, leo) == {}
    announcements.post(session, irene, cid, "Three", "3", now=t0 + timedelta(minutes=3))
    session.commit()
    assert announcements.unread_counts(session, leo) == {cid: 1}
    assert [(a.title, a.unread) for a in announcements.list_for_course(session, leo, cid).announcements] == [
        ("Three", True), ("Two", False), ("One", False)]

    # Seeing it with an older clock (another tab) never makes read ones unread again.
    announcements.mark_seen(session, leo, cid, now=t0 + timedelta(minutes=4))
    announcements.mark_seen(session, leo, cid, now=t0)
    session.commit()
    assert session.exec(select(AnnouncementSeen.seen_at).where(AnnouncementSeen.user_id == leo.user_id)).one() == t0 + timedelta(minutes=4)
    assert announcements.unread_counts(session, leo) == {}
    # Irene's reading is her own: Leo's marker does not touch it (staff see no unread marks).
    assert announcements.list_for_course(session, irene, cid).unread == 0


def test_unread_counts_across_courses_in_one_query(demo, session, engine, actor_of):
    irene, isaac, leo = actor_of(IRENE), actor_of(ISAAC), actor_of(LEO)
    safety = course_with(session, irene, [leo], "Store safety")
    tills = course_with(session, isaac, [leo], "Tills")
    quiet = course_with(session, isaac, [leo], "Quiet course")
    other = course_with(session, isaac, [actor_of(AMARA)], "Not Leo's")
    for i in range(3):
        announcements.post(session, irene, safety, f"Safety {i}", "x")
    announcements.post(session, isaac, tills, "Tills", "x")
    announcements.post(session, isaac, other, "Other", "x")
    session.commit()
    assert quiet not in announcements.unread_counts(session, leo)

    statements: list[str] = []
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        counts = announcements.unread_counts(session, leo)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert counts == {safety: 3, tills: 1}
    assert len(statements) == 1, statements


def test_latest_for_my_learning_spans_courses_newest_first(demo, session, actor_of):
    irene, isaac, leo = actor_of(IRENE), actor_of(ISAAC), actor_of(LEO)
    safety = course_with(session, irene, [leo], "Store safety")
    tills = course_with(session, isaac, [leo], "Tills")
    t0 = utcnow()
    for i in range(4):
        announcements.post(session, irene, safety, f"Safety {i}", "x", now=t0 + timedelta(minutes=i))
    announcements.post(session, isaac, tills, "Tills", "x", now=t0 + timedelta(minutes=10))
    announcements.mark_seen(session, leo, safety, now=t0 + timedelta(minutes=2, seconds=30))
    session.commit()
    latest = announcements.latest_for_learner(session, leo)
    assert [(a.course_title, a.title, a.unread) for a in latest] == [
        ("Tills", "Tills", True), ("Store safety", "Safety 3", True), ("Store safety", "Safety 2", False),
        ("Store safety", "Safety 1", False), ("Store safety", "Safety 0", False)]
    assert announcements.latest_for_learner(session, actor_of(MAYA)) == []


def test_email_goes_to_active_learners_only_and_only_when_asked(demo, session, actor_of):
    irene, leo, amara, ben, chloe = (actor_of(e) for e in (IRENE, LEO, AMARA, BEN, CHLOE))
    cid = course_with(session, irene, [leo, amara, ben, chloe])
    runs = {r.user_id: r for r in session.exec(select(Enrollment).where(Enrollment.course_id == cid)).all()}
    runs[amara.user_id].status = "completed"
    runs[ben.user_id].status = "withdrawn"
    session.add_all([runs[amara.user_id], runs[ben.user_id]])
    chloe_user = session.get(User, chloe.user_id)
    chloe_user.is_active = False
    session.add(chloe_user)
    session.commit()

    quiet = announcements.post(session, irene, cid, "No email", "Just here.")
    session.commit()
    assert quiet.emailed_to == 0 and not quiet.announcement.emailed
    assert session.exec(select(OutgoingEmail)).all() == []
    assert announcements.email_recipient_count(session, irene, cid) == 1

    loud = announcements.post(session, irene, cid, "Room <B>", "Meet in **room B**.\n\n<script>alert(1)</script>", email=True)
    session.commit()
    assert loud.emailed_to == 1 and loud.announcement.emailed
    (mail,) = session.exec(select(OutgoingEmail)).all()
    assert mail.to_address == LEO and mail.subject == "Store safety: Room <B>"
    assert "Irene Instructor posted an announcement in “Store safety”." in mail.body_text
    assert f"/learn/courses/{cid}/announcements" in mail.body_text and "Meet in **room B**." in mail.body_text
    # The HTML part renders the Markdown, but what people typed as HTML stays text.
    assert "<strong>room B</strong>" in mail.body_html and "<h2>Room &lt;B&gt;</h2>" in mail.body_html
    assert "<script>" not in mail.body_html and "&lt;script&gt;" in mail.body_html
    assert session.exec(select(Job).where(Job.kind == "email.send")).one().payload == {"email_id": mail.id}


def test_validation_messages_and_nothing_saved(demo, session, actor_of):
    irene = actor_of(IRENE)
    cid = course_with(session, irene, [])
    cases = [
        ("   ", "Text", "Give the announcement a title."),
        ("x" * 201, "Text", "The announcement's title must have at most 200 characters."),
        ("Title", "  \n ", "Write the announcement's text."),
        ("Title", "x" * 20_001, "The announcement's text must have at most 20,000 characters."),
    ]
    for title, body, message in cases:
        with pytest.raises(Invalid) as caught:
            announcements.post(session, irene, cid, title, body, email=True)
        assert caught.value.message == message
    session.rollback()
    assert announcements.list_for_course(session, irene, cid).announcements == []
    posted = announcements.post(session, irene, cid, "  Spaces   squeezed ", "  Body  ").announcement
    assert (posted.title, posted.body) == ("Spaces squeezed", "Body")
    with pytest.raises(Invalid, match="Give the announcement a title."):
        announcements.edit(session, irene, posted.id, "", "Body")


def test_two_tabs_marking_seen_at_once_keep_one_row(demo, session, engine, actor_of):
    """Both transactions insert the (course, user) row; the second waits for the first and
    updates it instead of failing on the unique key."""
    irene, leo = actor_of(IRENE), actor_of(LEO)
    cid = course_with(session, irene, [leo])
    failures: list[BaseException] = []

    def second_tab():
        try:
            with db.session_scope() as s:
                announcements.mark_seen(s, leo, cid)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    with Session(engine) as first:
        announcements.mark_seen(first, leo, cid)
        other = threading.Thread(target=second_tab)
        other.start()
        time.sleep(0.5)  # the second tab now waits on the first one's row (or write lock)
        first.commit()
    other.join(timeout=30)
    assert not other.is_alive() and failures == []
    assert len(session.exec(select(AnnouncementSeen).where(AnnouncementSeen.user_id == leo.user_id)).all()) == 1
