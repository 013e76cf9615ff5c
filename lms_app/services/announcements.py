"""Course announcements: the course's staff post news (Markdown) to its learners, optionally
emailed through the outbox; learners read them in the course and on My learning, where the
ones posted since they last opened the course's announcements are marked unread.

Who may do what (checked here, once):
- posting needs a course role on the course (instructor or assistant) or "courses.manage";
- editing and deleting: the announcement's author (while still on the course's staff), the
  course's instructors and holders of "courses.manage";
- reading: the course's staff, and learners with an active (access not ended) or completed
  run of the course; anyone else gets "You are not enrolled in this course.";
- a course of another organization is NotFound.

Unread: one AnnouncementSeen row per learner and course holds when they last opened the
course's announcements; announcements posted after it (all of them, without a row) are unread.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from markdown_it import MarkdownIt
from sqlalchemy import and_, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import Announcement, AnnouncementSeen, Course, Enrollment, User, utcnow
from lms_app.services import audit
from lms_app.services.courses import can_author, can_view_as_staff, get_course
from lms_app.services.email import queue_email
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

MAX_TITLE = 200
MAX_BODY = 20_000
# A course's page lists this many, newest first (older ones stay in the database).
MAX_LISTED = 100
LATEST_FOR_LEARNER = 5
NOT_ENROLLED = "You are not enrolled in this course."

# Raw HTML typed into the body is shown as text, and markdown-it refuses javascript: and
# similar links: the email is as safe as the page.
_EMAIL_MARKDOWN = MarkdownIt("commonmark", {"html": False})


@dataclass
class AnnouncementView:
    id: int
    course_id: int
    course_title: str
    title: str
    body: str
    author_name: str
    posted_at: datetime
    edited_at: datetime | None
    emailed: bool
    unread: bool
    can_change: bool  # the viewer may edit or delete it


@dataclass
class CourseAnnouncements:
    course_id: int
    course_title: str
    is_staff: bool
    announcements: list[AnnouncementView]

    @property
    def unread(self) -> int:
        return sum(1 for a in self.announcements if a.unread)


@dataclass
class Posted:
    announcement: Announcement
    emailed_to: int  # learners an email was queued for


# --- access -------------------------------------------------------------------------------

def learners_page_href(course_id: int) -> str:
    return f"/learn/courses/{course_id}/announcements"


def _reading_runs(actor: Actor, now: datetime):
    """The course ids the actor may read as a learner: a completed run, or an active one whose
    access has not ended (the expiry job may not have run yet)."""
    return select(Enrollment.course_id).where(
        Enrollment.user_id == actor.user_id, Enrollment.org_id == actor.org_id,
        or_(Enrollment.status == "completed",
            and_(Enrollment.status == "active", or_(Enrollment.expires_at.is_(None), Enrollment.expires_at > now))),
    )


def _posting_course(session: Session, actor: Actor, course_id: int) -> Course:
    require(actor, None)
    course = get_course(session, actor, course_id)
    if not can_view_as_staff(session, actor, course):
        raise PermissionDenied("Only the course's staff can post announcements.")
    return course


def _reading_course(session: Session, actor: Actor, course_id: int, now: datetime) -> tuple[Course, bool]:
    """The course and whether the actor reads it as staff; learners need a current run."""
    require(actor, None)
    course = get_course(session, actor, course_id)
    if can_view_as_staff(session, actor, course):
        return course, True
    require(actor, "learning.view")
    if session.exec(_reading_runs(actor, now).where(Enrollment.course_id == course.id)).first() is None:
        raise PermissionDenied(NOT_ENROLLED)
    return course, False


def _may_change(actor: Actor, announcement: Announcement, *, authors_course: bool, on_staff: bool) -> bool:
    return authors_course or (on_staff and announcement.author_id == actor.user_id)


def _changeable(session: Session, actor: Actor, announcement_id: int) -> tuple[Announcement, Course]:
    require(actor, None)
    announcement = session.get(Announcement, int(announcement_id)) if announcement_id else None
    if announcement is None or announcement.org_id != actor.org_id:
        raise NotFound("That announcement does not exist.")
    course = get_course(session, actor, announcement.course_id)
    if not _may_change(actor, announcement, authors_course=can_author(session, actor, course),
                       on_staff=can_view_as_staff(session, actor, course)):
        raise PermissionDenied("Only its author or the course's instructors can change this announcement.")
    return announcement, course


def _clean(title: str, body: str) -> tuple[str, str]:
    title = " ".join(str(title or "").split())
    body = str(body or "").strip()
    if not title:
        raise Invalid("Give the announcement a title.")
    if len(title) > MAX_TITLE:
        raise Invalid(f"The announcement's title must have at most {MAX_TITLE} characters.")
    if not body:
        raise Invalid("Write the announcement's text.")
    if len(body) > MAX_BODY:
        raise Invalid(f"The announcement's text must have at most {MAX_BODY:,} characters.")
    return title, body


# --- email --------------------------------------------------------------------------------

def _recipients(session: Session, course_id: int, now: datetime) -> list[User]:
    """Learners with an active run (access not ended) and an active account."""
    return list(session.exec(
        select(User).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course_id, Enrollment.status == "active",
               or_(Enrollment.expires_at.is_(None), Enrollment.expires_at > now), User.is_active)
        .order_by(User.id)
    ).all())


def _email(session: Session, course: Course, announcement: Announcement, author: str, learner: User) -> None:
    link = settings.PUBLIC_URL + learners_page_href(course.id)
    text = (f"Hello {learner.name},\n\n{author} posted an announcement in “{course.title}”.\n\n"
            f"{announcement.title}\n\n{announcement.body}\n\nRead it in the course: {link}\n")
    esc = html.escape
    body_html = (f"<p>Hello {esc(learner.name)},</p><p>{esc(author)} posted an announcement in “{esc(course.title)}”.</p>"
                 f"<h2>{esc(announcement.title)}</h2>{_EMAIL_MARKDOWN.render(announcement.body)}"
                 f"<p><a href=\"{esc(link)}\">Read it in the course</a></p>")
    queue_email(session, to=learner.email, org_id=course.org_id, subject=f"{course.title}: {announcement.title}",
                body_text=text, body_html=body_html)


def email_recipient_count(session: Session, actor: Actor, course_id: int, *, now: datetime | None = None) -> int:
    """How many learners "also email" would reach (for the poster's checkbox)."""
    course = _posting_course(session, actor, course_id)
    return len(_recipients(session, course.id, now or utcnow()))


# --- staff --------------------------------------------------------------------------------

def post(session: Session, actor: Actor, course_id: int, title: str, body: str, *, email: bool = False,
         now: datetime | None = None) -> Posted:
    """Post an announcement to the course (course staff and "courses.manage"). With `email`,
    one email per learner with an active run is queued in the same transaction."""
    course = _posting_course(session, actor, course_id)
    title, body = _clean(title, body)
    now = now or utcnow()
    announcement = Announcement(org_id=course.org_id, course_id=course.id, author_id=actor.user_id, title=title, body=body, posted_at=now)
    session.add(announcement)
    session.flush()
    learners = _recipients(session, course.id, now) if email else []
    for learner in learners:
        _email(session, course, announcement, actor.name, learner)
    announcement.emailed = bool(learners)
    session.add(announcement)
    session.flush()
    audit.record(session, actor, "announcement.posted", target_type="announcement", target_id=announcement.id,
                 target_label=f"{title} in {course.title}", after={"course": course.title, "title": title, "emailed_to": len(learners)})
    return Posted(announcement, len(learners))


def edit(session: Session, actor: Actor, announcement_id: int, title: str, body: str, *, now: datetime | None = None) -> Announcement:
    """Change an announcement's title and text (it keeps its place; nothing is emailed again)."""
    announcement, course = _changeable(session, actor, announcement_id)
    title, body = _clean(title, body)
    if (title, body) == (announcement.title, announcement.body):
        return announcement
    before = {"title": announcement.title}
    announcement.title, announcement.body, announcement.edited_at = title, body, now or utcnow()
    session.add(announcement)
    session.flush()
    audit.record(session, actor, "announcement.edited", target_type="announcement", target_id=announcement.id,
                 target_label=f"{title} in {course.title}", before=before, after={"title": title})
    return announcement


def delete(session: Session, actor: Actor, announcement_id: int) -> None:
    """Delete an announcement for good (the audit trail keeps its title and when it was posted)."""
    announcement, course = _changeable(session, actor, announcement_id)
    audit.record(session, actor, "announcement.deleted", target_type="announcement", target_id=announcement.id,
                 target_label=f"{announcement.title} in {course.title}",
                 before={"course": course.title, "title": announcement.title, "posted_at": announcement.posted_at,
                         "emailed": announcement.emailed})
    session.delete(announcement)
    session.flush()


# --- reading ------------------------------------------------------------------------------

def _seen_at(session: Session, user_id: int, course_id: int) -> datetime | None:
    return session.exec(select(AnnouncementSeen.seen_at).where(
        AnnouncementSeen.course_id == course_id, AnnouncementSeen.user_id == user_id)).first()


def _is_unread(posted_at: datetime, seen_at: datetime | None) -> bool:
    return seen_at is None or posted_at > seen_at


def list_for_course(session: Session, actor: Actor, course_id: int, *, now: datetime | None = None) -> CourseAnnouncements:
    """The course's announcements, newest first (at most MAX_LISTED), for its staff and its
    learners; for a learner each says whether it is unread. Reading marks nothing: see
    `mark_seen`."""
    course, is_staff = _reading_course(session, actor, course_id, now or utcnow())
    seen_at = None if is_staff else _seen_at(session, actor.user_id, course.id)
    rows = session.exec(
        select(Announcement, User.name).join(User, User.id == Announcement.author_id, isouter=True)
        .where(Announcement.course_id == course.id)
        .order_by(Announcement.posted_at.desc(), Announcement.id.desc()).limit(MAX_LISTED)
    ).all()
    authors_course = is_staff and can_author(session, actor, course)
    views = [
        AnnouncementView(a.id, course.id, course.title, a.title, a.body, author or "Former staff member", a.posted_at, a.edited_at,
                         a.emailed, not is_staff and _is_unread(a.posted_at, seen_at),
                         _may_change(actor, a, authors_course=authors_course, on_staff=is_staff))
        for a, author in rows
    ]
    return CourseAnnouncements(course.id, course.title, is_staff, views)


def mark_seen(session: Session, actor: Actor, course_id: int, *, now: datetime | None = None) -> None:
    """The actor has read the course's announcements up to now. One upsert, so two tabs
    opening the page at once cannot collide on the (course, user) unique key; the time only
    moves forward."""
    now = now or utcnow()
    course, _ = _reading_course(session, actor, course_id, now)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(AnnouncementSeen).values(course_id=course.id, user_id=actor.user_id, seen_at=now)
    seen = AnnouncementSeen.__table__.c.seen_at
    session.execute(stmt.on_conflict_do_update(index_elements=["course_id", "user_id"], set_={"seen_at": stmt.excluded.seen_at},
                                               where=seen < stmt.excluded.seen_at))
    session.flush()


def unread_counts(session: Session, actor: Actor, *, course_ids: list[int] | None = None, now: datetime | None = None) -> dict[int, int]:
    """course id -> unread announcements, over every course the actor reads as a learner (or
    those of them in `course_ids`), in one query (courses with none unread are absent)."""
    require(actor, "learning.view")
    only = [Announcement.course_id.in_(course_ids)] if course_ids is not None else []
    seen = and_(AnnouncementSeen.course_id == Announcement.course_id, AnnouncementSeen.user_id == actor.user_id)
    rows = session.exec(
        select(Announcement.course_id, func.count(Announcement.id))
        .join(AnnouncementSeen, seen, isouter=True)
        .where(Announcement.course_id.in_(_reading_runs(actor, now or utcnow())),
               or_(AnnouncementSeen.seen_at.is_(None), Announcement.posted_at > AnnouncementSeen.seen_at), *only)
        .group_by(Announcement.course_id)
    ).all()
    return {course_id: count for course_id, count in rows}


def latest_for_learner(session: Session, actor: Actor, *, limit: int = LATEST_FOR_LEARNER, now: datetime | None = None) -> list[AnnouncementView]:
    """The newest announcements across the courses the actor reads as a learner (My learning),
    each saying whether it is unread."""
    require(actor, "learning.view")
    seen = and_(AnnouncementSeen.course_id == Announcement.course_id, AnnouncementSeen.user_id == actor.user_id)
    rows = session.exec(
        select(Announcement, Course.title, User.name, AnnouncementSeen.seen_at)
        .join(Course, Course.id == Announcement.course_id)
        .join(User, User.id == Announcement.author_id, isouter=True)
        .join(AnnouncementSeen, seen, isouter=True)
        .where(Announcement.course_id.in_(_reading_runs(actor, now or utcnow())))
        .order_by(Announcement.posted_at.desc(), Announcement.id.desc()).limit(max(1, min(int(limit), MAX_LISTED)))
    ).all()
    return [
        AnnouncementView(a.id, a.course_id, course_title, a.title, a.body, author or "Former staff member", a.posted_at, a.edited_at,
                         a.emailed, _is_unread(a.posted_at, seen_at), False)
        for a, course_title, author, seen_at in rows
    ]
