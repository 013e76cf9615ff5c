"""The demo organization's three sample courses, built through the same services an instructor
uses, with learners spread over not started, in progress and done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlmodel import Session

from lms_app.models import User
from lms_app.services import courses, enrollment, progress
from lms_app.services.permissions import actor_for


@dataclass
class DemoLesson:
    title: str
    kind: str
    content: dict[str, Any]
    minutes: int = 5
    after_previous: bool = False  # locked until the lesson before it is done


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


def _text(title: str, markdown: str, minutes: int = 5, after_previous: bool = False) -> DemoLesson:
    return DemoLesson(title, "text", {"markdown": markdown.strip()}, minutes, after_previous)


def _live_session_start() -> str:
    # Always a little ahead, so the demo shows an upcoming session.
    day = datetime.now(timezone.utc).date() + timedelta(days=21)
    return datetime.combine(day, time(9, 0), tzinfo=timezone(timedelta(hours=1))).isoformat()


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
            ],
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
                    DemoLesson("Practical drill", "live_session", {
                        "starts_at": _live_session_start(), "duration_minutes": 90, "location": "Warehouse B, loading bay 2",
                    }, 90),
                ]),
            ],
            key="SAFE-2026", access_days=365,
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
                ]),
            ],
        ),
    ]


def seed_demo_courses(session: Session, users: dict[str, User], learners: list[User]) -> None:
    """Create, publish and fill the sample courses. `learners` (Leo first) get enrolled with
    different progress: some finished, some halfway, some not started."""
    start = datetime.now(timezone.utc) - timedelta(days=30)
    built = []
    for course_def in demo_courses():
        instructor = actor_for(session, users[course_def.instructor])
        course = courses.create_course(session, instructor, course_def.title, summary=course_def.summary,
                                       category=course_def.category, tags=course_def.tags, estimated_minutes=course_def.minutes)
        lesson_ids: list[int] = []
        for module_def in course_def.modules:
            module = courses.add_module(session, instructor, course.id, module_def.title)
            for lesson_def in module_def.lessons:
                lesson = courses.add_lesson(session, instructor, module.id, lesson_def.title, lesson_def.kind, lesson_def.content,
                                            estimated_minutes=lesson_def.minutes)
                if lesson_def.after_previous and lesson_ids:
                    courses.set_lesson_prerequisites(session, instructor, lesson.id, [lesson_ids[-1]])
                lesson_ids.append(lesson.id)
        courses.update_course(session, instructor, course.id, self_enrollment=True, access_days=course_def.access_days)
        if course_def.key:
            courses.set_enrollment_key(session, instructor, course.id, course_def.key)
        courses.set_visibility(session, instructor, course.id, "published")
        built.append((course, course_def, lesson_ids))

    # Who is where: (course index, learners, how many lessons each has done)
    plan = [
        (0, learners[0:1], 3),    # Leo: halfway through customer service
        (0, learners[1:5], 99),   # done
        (0, learners[5:10], 2),   # in progress
        (0, learners[10:13], 0),  # not started
        (1, learners[1:4], 3),
        (1, learners[4:8], 1),
        (2, learners[0:1], 99),   # Leo finished the product course
        (2, learners[8:12], 2),
    ]
    for index, group, done in plan:
        course, course_def, lesson_ids = built[index]
        for n, learner in enumerate(group):
            actor = actor_for(session, learner)
            enrolled_at = start + timedelta(days=n)
            run = enrollment.self_enroll(session, actor, course.id, course_def.key, now=enrolled_at)
            for step, lesson_id in enumerate(lesson_ids[:done]):
                when = enrolled_at + timedelta(days=1 + step, hours=n)
                progress.open_lesson(session, actor, run.id, lesson_id, now=when)
                if not progress.mark_viewed(session, actor, run.id, lesson_id, now=when):
                    break  # a live session: staff record attendance
    session.flush()
