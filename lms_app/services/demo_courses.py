"""The demo organization's three sample courses, built through the same services an instructor
uses, with learners spread over not started, in progress and done."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlmodel import Session

from lms_app.models import User
from lms_app.services import assignments, courses, enrollment, files, progress, question_bank, scorm
from lms_app.services.permissions import actor_for

DEMO_FILES = Path(__file__).resolve().parent.parent / "data" / "demo"


@dataclass
class DemoLesson:
    title: str
    kind: str
    content: dict[str, Any]
    minutes: int = 5
    after_previous: bool = False  # locked until the lesson before it is done
    upload: tuple[str, bytes] | None = None  # (file name, content) stored as the lesson's file
    required: bool = True


@dataclass
class DemoModule:
    title: str
    lessons: list[DemoLesson] = field(default_factory=list)


@dataclass
class DemoCourse:
    title: str
    instructor: str
    summary: str
    category: str
    tags: list[str]
    minutes: int
    modules: list[DemoModule]
    key: str | None = None
    access_days: int | None = None
    cover: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None  # top and bottom colours
    # A template stays a draft that its instructors copy to start a new course.
    template: bool = False
    co_instructors: list[str] = field(default_factory=list)
    # Questions (GIFT) for the course's bank; a quiz lesson's content {"draw": n} draws n of them.
    bank: str = ""


def cover_png(top: tuple[int, int, int], bottom: tuple[int, int, int], width: int = 640, height: int = 360) -> bytes:
    """A 16:9 cover image: a vertical gradient between two colours (PNG, no image library)."""
    rows = []
    for y in range(height):
        t = y / (height - 1)
        pixel = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom))
        rows.append(b"\x00" + pixel * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")


def text_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF of a title and lines of text (Helvetica; Latin-1 text only)."""
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    body = [f"BT /F1 20 Tf 72 760 Td ({escape(title)}) Tj ET"]
    body += [f"BT /F1 12 Tf 72 {720 - 22 * i} Td ({escape(line)}) Tj ET" for i, line in enumerate(lines)]
    stream = "\n".join(body).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _text(title: str, markdown: str, minutes: int = 5, after_previous: bool = False) -> DemoLesson:
    return DemoLesson(title, "text", {"markdown": markdown.strip()}, minutes, after_previous)


def _live_session_start() -> str:
    # Always a little ahead, so the demo shows an upcoming session.
    day = datetime.now(timezone.utc).date() + timedelta(days=21)
    return datetime.combine(day, time(9, 0), tzinfo=timezone(timedelta(hours=1))).isoformat()


SERVICE_QUESTIONS = """
::First words:: What do you say first to a customer who walks up to you? {
=Hello, I'm Sam. What can I do for you?#Your name and an offer of help.
~Just a moment.#Busy or not, greet first.
~Next, please.#Too cold: say who you are and offer help.}

::Listen first:: Repeating what the customer said, in your own words, shows you listened. {TRUE#And lets them correct you.}

::Four steps:: Which step comes first when a customer complains? {
=Thank them for telling you
~Fix the problem
~Apologise
~Follow up}

::Within 60 days:: An unused item comes back after 40 days. What can you decide yourself? {
=A refund or an exchange, no questions asked
~Only an exchange
~Nothing: ask the store lead}

::Busy:: You are busy when a customer comes up. What do you do? {
=Say so and give a time: "I'll be with you in two minutes."
~Keep working until you are free
~Send them to a colleague without a word}
"""


def demo_courses() -> list[DemoCourse]:
    return [
        DemoCourse(
            "Customer service essentials", "irene@example.com",
            "Greet, listen, solve: how we look after every customer in our stores and on the phone.",
            "Customer service", ["customer service", "retail", "communication"], 45,
            [
                DemoModule("Welcome", [
                    _text("How this course works", """
# Welcome

This course takes about **45 minutes**. Each lesson is short; read it to the end and it is
marked done. Your progress is saved as you go, so you can stop at any time.

You will learn:

1. how we greet customers,
2. how to listen before answering,
3. what to do when something went wrong.
""", 3),
                    DemoLesson("A welcome from the team", "video", {"duration_seconds": 12}, 1,
                               upload=("welcome.webm", (DEMO_FILES / "welcome.webm").read_bytes())),
                    DemoLesson("Our service promise", "link", {"url": "https://example.com/service-promise"}, 5),
                ]),
                DemoModule("Listening first", [
                    _text("Greeting", """
## The first ten seconds

- Look up and smile, even on the phone: it can be heard.
- Say who you are and offer help: *"Hello, I'm Sam. What can I do for you?"*
- If you are busy, say so and give a time: *"I'll be with you in two minutes."*
""", 5),
                    _text("Active listening", """
## Listen to understand

Let the customer finish. Repeat what you heard in your own words, then ask one question to
check: *"So the tent's zip broke on the second night, is that right?"*

> People calm down when they feel heard, before anything is fixed.
""", 8, after_previous=True),
                ]),
                DemoModule("When something went wrong", [
                    _text("Handling a complaint", """
## Four steps

1. **Thank** the customer for telling you.
2. **Apologise** for the trouble, without blaming anyone.
3. **Fix** what you can now; say what happens next and when.
4. **Follow up**: write down the case and call back if you promised to.
""", 10, after_previous=True),
                    _text("Refunds and exchanges", """
## What you can decide yourself

| Case | What to do |
|---|---|
| Unused, within 60 days | Refund or exchange, no questions |
| Faulty | Exchange or repair; refund if neither works |
| Anything else | Ask the store lead |
""", 8, after_previous=True),
                ]),
                DemoModule("Check yourself", [
                    DemoLesson("Service check", "quiz", {"draw": 4, "time_limit_minutes": 15, "attempts_allowed": 3,
                                                         "passing_percent": 75, "shuffle_questions": True}, 10, required=False),
                    DemoLesson("A customer you helped", "assignment", {
                        "instructions": "Describe a customer you helped this month: what they needed, what you did and "
                                        "what you would do differently. Half a page is enough.",
                        "submission_type": "text", "max_points": 10, "passing_percent": 50}, 15, required=False),
                ]),
            ],
            cover=((59, 130, 246), (30, 58, 138)),
            bank=SERVICE_QUESTIONS,
        ),
        DemoCourse(
            "Warehouse safety", "isaac@example.com",
            "Lifting, ladders and forklifts: the safety rules for everyone who works in the warehouse.",
            "Safety", ["safety", "warehouse"], 60,
            [
                DemoModule("Moving loads", [
                    _text("Lifting safely", """
## Before you lift

Check the weight, the path and where it goes. Over **20 kg**, ask a colleague or use a trolley.

## While you lift

Bend your knees, keep your back straight and the load close; turn with your feet, not your back.
""", 8),
                    _text("Ladders and steps", """
## Three points of contact

Two feet and one hand on the ladder at all times. Never stand on the top two steps; move the
ladder instead of leaning out.
""", 6, after_previous=True),
                ]),
                DemoModule("Forklift zones", [
                    _text("Walking near forklifts", """
Stay on the marked walkways. Make eye contact with the driver before you cross, and never walk
under a raised load.
""", 6),
                    DemoLesson("Forklift zone checklist", "file", {}, 4, upload=("forklift-zone-checklist.pdf", text_pdf(
                        "Forklift zone checklist", [
                            "1. Stay on the marked walkways.",
                            "2. Make eye contact with the driver before you cross.",
                            "3. Never walk under a raised load.",
                            "4. Wear your high-visibility vest in the zone.",
                            "5. Report spills and damaged racking at once.",
                        ]))),
                    DemoLesson("Practical drill", "live_session", {
                        "starts_at": _live_session_start(), "duration_minutes": 90, "location": "Warehouse B, loading bay 2",
                    }, 90),
                ]),
            ],
            key="SAFE-2026", access_days=365, cover=((234, 179, 8), (161, 98, 7)),
        ),
        DemoCourse(
            "Outdoor gear: product knowledge", "irene@example.com",
            "Tents, sleeping bags and layers: what our customers ask and how to answer it.",
            "Product", ["product", "outdoor", "retail"], 40,
            [
                DemoModule("Sleeping outdoors", [
                    _text("Tents", """
## Three questions to ask

- **How many people?** Sizes are tight: suggest one size up for comfort.
- **Which season?** Three-season tents are lighter; four-season ones stand up to snow.
- **How will they carry it?** Under 2 kg for hiking; weight matters less for car camping.
""", 8),
                    _text("Sleeping bags", """
The **comfort rating** is the temperature a typical sleeper is comfortable at; the *limit*
rating is for survival, not comfort. Recommend a bag rated 5 °C below the coldest expected night.
""", 8),
                ]),
                DemoModule("Layers", [
                    _text("The three layers", """
1. **Base layer** moves sweat away from the skin (wool or synthetic, never cotton).
2. **Mid layer** keeps warmth in (fleece or down).
3. **Shell** keeps wind and rain out.
""", 8),
                    DemoLesson("Layering check", "scorm", {}, 5, required=False,
                               upload=("layering-check.zip", folder_zip(DEMO_FILES / "scorm-layers"))),
                ]),
            ],
            cover=((34, 197, 94), (21, 94, 63)),
        ),
        DemoCourse(
            "Course template", "irene@example.com",
            "Copy this course to start a new one: the usual structure, with notes on what goes where.",
            "", [], 30,
            [
                DemoModule("Welcome", [
                    _text("How this course works", "Say what learners will be able to do afterwards, how long it takes and how it is completed.", 3),
                ]),
                DemoModule("Learn", [
                    _text("First topic", "One idea per lesson. Short paragraphs, a list or a table where it helps, an example from the job.", 8),
                    _text("Second topic", "Build on the first lesson; link to the policy or the tool learners will use.", 8, after_previous=True),
                ]),
                DemoModule("Wrap-up", [
                    _text("What to remember", "Three to five points to take away, and whom to ask.", 3),
                ]),
            ],
            template=True, co_instructors=["isaac@example.com"],
        ),
    ]


# The demo's history: about two months of learning, on weekdays, in office hours (Paris).
HISTORY_DAYS = 60
# How likely each of Customer service's finishers answers a question right (their quiz story).
QUIZ_SKILLS = (0.95, 0.8, 0.6, 0.45)


class _DemoClock:
    """Reproducible moments in the demo's past: weekdays, between 8:00 and 17:00 UTC."""

    def __init__(self, now: datetime):
        import random

        self.now = now
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.rng = random.Random(2026)

    def office_hours(self, day: datetime) -> datetime:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        moment = day.replace(hour=self.rng.randrange(8, 17), minute=self.rng.randrange(60), second=0, microsecond=0)
        return min(moment, self.now - timedelta(hours=2))

    def enrolled(self, first_day: int, last_day: int) -> datetime:
        return self.office_hours(self.start + timedelta(days=self.rng.randrange(first_day, last_day)))

    def next_step(self, after: datetime) -> datetime:
        """The next lesson: often in the same sitting, else a few days later."""
        if self.rng.random() < 0.55:
            moment = after + timedelta(minutes=self.rng.randrange(4, 25))
        else:
            moment = max(self.office_hours(after + timedelta(days=self.rng.randrange(1, 4))), after + timedelta(minutes=30))
        return min(moment, self.now - timedelta(minutes=30))


def seed_demo_courses(session: Session, users: dict[str, User], learners: list[User]) -> None:
    """Create, publish and fill the sample courses. `learners` (Leo first) get enrolled with
    different progress: some finished, some halfway, some not started; their history is
    spread over the last HISTORY_DAYS (enrollments, lessons, quiz attempts, an assignment and
    sign-ins), so the dashboards have something to show."""
    clock = _DemoClock(datetime.now(timezone.utc))
    built = []
    for course_def in demo_courses():
        instructor = actor_for(session, users[course_def.instructor])
        course = courses.create_course(session, instructor, course_def.title, summary=course_def.summary,
                                       category=course_def.category, tags=course_def.tags, estimated_minutes=course_def.minutes)
        lesson_ids: list[int] = []
        bank = None
        if course_def.bank:
            bank = question_bank.create_category(session, instructor, "Checks", course_id=course.id)
            question_bank.import_gift(session, instructor, bank.id, course_def.bank)
        for module_def in course_def.modules:
            module = courses.add_module(session, instructor, course.id, module_def.title)
            for lesson_def in module_def.lessons:
                # A lesson with a file gets its content once the file is stored.
                content = {} if lesson_def.upload else dict(lesson_def.content)
                if "draw" in content:
                    content["questions"] = [{"category_id": bank.id, "count": content.pop("draw")}]
                lesson = courses.add_lesson(session, instructor, module.id, lesson_def.title, lesson_def.kind, content,
                                            estimated_minutes=lesson_def.minutes, required=lesson_def.required)
                if lesson_def.upload and lesson_def.kind == "scorm":
                    scorm.import_upload(session, instructor, lesson.id, io.BytesIO(lesson_def.upload[1]), lesson_def.upload[0])
                elif lesson_def.upload:
                    name, data = lesson_def.upload
                    files.store_lesson_file(session, instructor, lesson.id, io.BytesIO(data), name)
                    if lesson_def.content:
                        courses.update_lesson(session, instructor, lesson.id, content={**lesson.content, **lesson_def.content})
                if lesson_def.after_previous and lesson_ids:
                    courses.set_lesson_prerequisites(session, instructor, lesson.id, [lesson_ids[-1]])
                lesson_ids.append(lesson.id)
        courses.update_course(session, instructor, course.id, self_enrollment=True, access_days=course_def.access_days)
        if course_def.cover:
            files.store_cover(session, instructor, course.id, io.BytesIO(cover_png(*course_def.cover)))
        if course_def.key:
            courses.set_enrollment_key(session, instructor, course.id, course_def.key)
        for email in course_def.co_instructors:
            courses.add_staff(session, instructor, course.id, users[email].id, "instructor")
        if course_def.template:
            continue
        courses.set_visibility(session, instructor, course.id, "published")
        built.append((course, course_def, lesson_ids))

    # Who is where: (course index, learners, how many lessons each has done)
    plan = [
        (0, learners[0:1], 3),    # Leo: halfway through customer service
        (0, learners[1:5], 99),   # done, then the quiz and the assignment
        (0, learners[5:10], 2),   # in progress
        (0, learners[10:13], 0),  # not started
        (1, learners[1:4], 3),
        (1, learners[4:8], 1),
        (2, learners[0:1], 99),   # Leo finished the product course
        (2, learners[8:12], 2),
    ]
    active_days: dict[int, dict] = {}  # learner -> day -> first activity

    def seen(learner: User, moment: datetime) -> None:
        days = active_days.setdefault(learner.id, {})
        days[moment.date()] = min(days.get(moment.date(), moment), moment)

    for index, group, done in plan:
        course, course_def, lesson_ids = built[index]
        lesson_defs = dict(zip(lesson_ids, (le for m in course_def.modules for le in m.lessons)))
        for n, learner in enumerate(group):
            actor = actor_for(session, learner)
            # Finished runs began in the first weeks; runs in progress or not started yet, later.
            when = clock.enrolled(0, 30) if done == 99 else clock.enrolled(15, HISTORY_DAYS - 3)
            run = enrollment.self_enroll(session, actor, course.id, course_def.key, now=when)
            seen(learner, when)
            for lesson_id in lesson_ids[:done]:
                when = clock.next_step(when)
                seen(learner, when)
                progress.open_lesson(session, actor, run.id, lesson_id, now=when)
                # A few minutes with the lesson visible, as the player reports them.
                for _ in range(clock.rng.randrange(2, 7)):
                    when += timedelta(seconds=progress.MAX_HEARTBEAT_SECONDS)
                    progress.record_heartbeat(session, actor, run.id, lesson_id, progress.MAX_HEARTBEAT_SECONDS, now=when)
                lesson_def = lesson_defs[lesson_id]
                if lesson_def.kind == "video":
                    length = lesson_def.content["duration_seconds"]
                    progress.record_video_watch(session, actor, run.id, lesson_id, [[0, length]], position=length, now=when)
                elif lesson_def.kind == "quiz":
                    when = _take_quiz(session, actor, lesson_id, QUIZ_SKILLS[n % len(QUIZ_SKILLS)], when, clock)
                    seen(learner, when)
                elif lesson_def.kind == "scorm":
                    _play_layering_check(session, actor, lesson_id, right=n % 3 != 2)
                elif lesson_def.kind == "assignment":
                    if n % 2 == 0:  # half of them hand it in, and have their grade a day later
                        when = clock.next_step(when)
                        assignments.submit(session, actor, lesson_id, text=_ASSIGNMENT_TEXT[n % len(_ASSIGNMENT_TEXT)], now=when)
                        seen(learner, when)
                        _grade(session, actor_for(session, users[course_def.instructor]), lesson_id, learner, 8 - n, when)
                elif not progress.mark_viewed(session, actor, run.id, lesson_id, now=when):
                    break  # a live session: staff record attendance
    _sign_ins(session, users, learners, active_days, clock)
    session.flush()


def folder_zip(folder: Path) -> bytes:
    """The files of a folder as a zip (a demo SCORM package kept unpacked in the repository)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _play_layering_check(session: Session, actor, lesson_id: int, *, right: bool) -> None:
    """What the demo package commits when a learner answers its two questions (both right, or the shell wrong)."""
    launched = scorm.launch(session, actor, lesson_id)
    shell = "shell" if right else "fleece"
    # Half marks still reach the package's mastery score (50).
    values = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "100" if right else "50",
              "cmi.core.score.min": "0", "cmi.core.score.max": "100", "cmi.core.session_time": "0000:01:40",
              "cmi.interactions.0.id": "base", "cmi.interactions.0.type": "choice", "cmi.interactions.0.student_response": "wool",
              "cmi.interactions.0.correct_responses.0.pattern": "wool", "cmi.interactions.0.result": "correct",
              "cmi.interactions.1.id": "shell", "cmi.interactions.1.type": "choice", "cmi.interactions.1.student_response": shell,
              "cmi.interactions.1.correct_responses.0.pattern": "shell", "cmi.interactions.1.result": "correct" if right else "wrong"}
    session_number = launched["commit_url"].rsplit("session=", 1)[1]
    scorm.commit(session, actor, launched["attempt"]["id"], launched["item"], session_number, {"seq": 1, "finished": True, "values": values})


def seed_demo_requirements(session: Session, users: dict[str, User]) -> None:
    """Required training for the demo: customer service for Sales (some done, some due soon)
    and warehouse safety for Field Operations, due 90 days after hiring (so already overdue)."""
    from sqlmodel import select

    from lms_app.models import Course, Department
    from lms_app.services import requirements

    admin = actor_for(session, users["admin@example.com"])
    course_ids = dict(session.exec(select(Course.title, Course.id)).all())
    departments = dict(session.exec(select(Department.name, Department.id)).all())
    for title, department, spec in (
        ("Customer service essentials", "Sales", {"due_mode": "after_assignment", "due_days": 21, "recert_months": 12}),
        ("Warehouse safety", "Field Operations", {"due_mode": "after_hire", "due_days": 90}),
    ):
        requirements.create_requirement(session, admin, requirements.RequirementSpec(
            course_id=course_ids[title], audience="department", audience_id=departments[department], **spec))


_ASSIGNMENT_TEXT = [
    "A customer came back with a tent whose zip broke on the second night. I thanked her, apologised, "
    "and exchanged it at once. Next time I would also check the spare parts we have for zips.",
    "A man on the phone was angry about a late delivery. I let him finish, repeated what I heard and "
    "promised a call back before noon, which I did. I would write the case down earlier next time.",
]


def _grade(session: Session, instructor, lesson_id: int, learner: User, points: float, handed_in: datetime) -> None:
    from sqlmodel import select

    from lms_app.models import Submission
    from lms_app.services import grading

    submission = session.exec(select(Submission).where(Submission.lesson_id == lesson_id, Submission.user_id == learner.id)).one()
    graded_at = min(handed_in + timedelta(days=1), datetime.now(timezone.utc) - timedelta(minutes=5))
    grading.grade_submission(session, instructor, submission.id, points=points, feedback="Concrete and honest: well done.", now=graded_at)
    grading.release(session, instructor, [(grading.ASSIGNMENT, submission.id)], now=graded_at)


def _take_quiz(session: Session, actor, lesson_id: int, skill: float, when: datetime, clock: _DemoClock) -> datetime:
    """Attempts at the quiz until a pass (or the attempts run out), each answered with the
    learner's skill, the next one a day or two later and a little better. Returns when the last
    one was handed in."""
    from sqlmodel import select

    from lms_app.assessments.questions import Question
    from lms_app.models import AttemptAnswer
    from lms_app.services import quizzes
    from lms_app.services.seed_assessments import learner_response

    for _ in range(3):
        attempt = quizzes.start_attempt(session, actor, lesson_id, now=when)
        answers = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id).order_by(AttemptAnswer.position)).all()
        for answer in answers:
            response = learner_response(clock.rng, Question.from_dict(answer.question), clock.rng.random() < skill)
            quizzes.save_answer(session, actor, attempt.id, answer.position, response, now=when + timedelta(minutes=answer.position))
        when = when + timedelta(minutes=len(answers) + 3)
        view = quizzes.submit(session, actor, attempt.id, now=when)
        if view.passed:
            break
        skill = (skill + 1) / 2
        when = clock.office_hours(when + timedelta(days=clock.rng.randrange(1, 3)))
    return when


def _sign_ins(session: Session, users: dict[str, User], learners: list[User], active_days: dict[int, dict], clock: _DemoClock) -> None:
    """A sign-in before each day's first activity, and the days people only looked in: staff on
    most weekdays, learners now and then."""
    from lms_app.services import activity

    looked_in = {u.id: 0.7 for u in users.values() if u not in learners} | {u.id: 0.12 for u in learners}
    everyone = {u.id: u for u in [*users.values(), *learners]}
    for user_id, share in looked_in.items():
        day = clock.start
        while day < clock.now - timedelta(days=1):
            if day.weekday() < 5 and clock.rng.random() < share:
                moment = clock.office_hours(day)
                days = active_days.setdefault(user_id, {})
                days[moment.date()] = min(days.get(moment.date(), moment), moment)
            day += timedelta(days=1)
    for user_id, days in sorted(active_days.items()):
        for first in sorted(days.values()):
            activity.record(session, org_id=everyone[user_id].org_id, user_id=user_id, kind="login",
                            at=first - timedelta(minutes=clock.rng.randrange(1, 10)))
