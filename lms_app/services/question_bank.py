"""The question bank: categories and questions, per course or in an instructor's own bank, and
GIFT files in and out.

Who may do what (checked here, once):
- a course's bank: read by the course's staff (instructors and assistants), changed by those
  who may change the course (its instructors, or "courses.manage");
- an own bank (no course): its owner only, who uses it in every course they teach;
- anyone else is refused; another organization's category does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from lms_app.assessments import gift
from lms_app.assessments.questions import TYPE_LABELS, Question
from lms_app.assessments.validation import validate
from lms_app.models import BankQuestion, QuestionCategory, utcnow
from lms_app.services import audit, courses
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

TEACH = "courses.teach"
MAX_CATEGORY_NAME = 200
MAX_GIFT_BYTES = 2 * 1024 * 1024
PAGE_SIZE = 50


@dataclass
class CategoryView:
    id: int
    name: str
    path: str  # "Safety / Ladders"
    course_id: int | None  # None: the viewer's own bank
    questions: int
    can_change: bool


@dataclass
class QuestionRow:
    id: int
    category_id: int
    type: str
    type_label: str
    title: str
    points: float
    updated_at: object


@dataclass
class GiftImport:
    """What a GIFT file gave: the questions imported (0 when refused), the errors read, and how
    many questions could be read (what "import the readable ones anyway" would bring in)."""

    imported: int
    errors: list[str] = field(default_factory=list)
    readable: int = 0


# --- who may -----------------------------------------------------------------------------------

def _category(session: Session, actor: Actor, category_id: int, *, change: bool) -> QuestionCategory:
    require(actor, TEACH)
    category = session.get(QuestionCategory, int(category_id)) if category_id else None
    if category is None or category.org_id != actor.org_id:
        raise NotFound("That question category does not exist.")
    if category.course_id is None:
        if category.owner_id != actor.user_id:
            raise PermissionDenied("You do not have permission to do that.")
        return category
    course = courses.get_course(session, actor, category.course_id)
    if change:
        courses.authored_course(session, actor, course.id)
    elif not courses.can_view_as_staff(session, actor, course):
        raise PermissionDenied("You do not have permission to do that.")
    return category


def _question(session: Session, actor: Actor, question_id: int, *, change: bool) -> tuple[BankQuestion, QuestionCategory]:
    row = session.get(BankQuestion, int(question_id)) if question_id else None
    if row is None or row.org_id != actor.org_id:
        raise NotFound("That question does not exist.")
    return row, _category(session, actor, row.category_id, change=change)


# --- categories --------------------------------------------------------------------------------

def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("Give the category a name.")
    if len(name) > MAX_CATEGORY_NAME:
        raise Invalid(f"A category name has at most {MAX_CATEGORY_NAME} characters.")
    return name


def create_category(session: Session, actor: Actor, name: str, *, course_id: int | None = None,
                    parent_id: int | None = None) -> QuestionCategory:
    """A new category in a course's bank (its instructors) or in the actor's own bank."""
    require(actor, TEACH)
    if parent_id:
        parent = _category(session, actor, parent_id, change=True)
        course_id = parent.course_id
    if course_id is not None:
        courses.authored_course(session, actor, int(course_id))
    category = QuestionCategory(org_id=actor.org_id, course_id=course_id, owner_id=actor.user_id if course_id is None else None,
                                parent_id=parent_id or None, name=_clean_name(name))
    session.add(category)
    session.flush()
    return category


def categories(session: Session, actor: Actor, course_id: int | None) -> list[CategoryView]:
    """The categories the actor may use for a course: the course's bank, then their own bank
    (shared across their courses); each with its path and question count."""
    require(actor, TEACH)
    wanted = [QuestionCategory.course_id.is_(None) & (QuestionCategory.owner_id == actor.user_id)]
    can_change_course = False
    if course_id is not None:
        course = courses.staffed_course(session, actor, int(course_id))
        can_change_course = courses.can_author(session, actor, course)
        wanted.append(QuestionCategory.course_id == course.id)
    rows = session.exec(select(QuestionCategory).where(QuestionCategory.org_id == actor.org_id, or_(*wanted))).all()
    counts = dict(session.exec(select(BankQuestion.category_id, func.count(BankQuestion.id))
                               .where(BankQuestion.category_id.in_([c.id for c in rows] or [0])).group_by(BankQuestion.category_id)).all())
    by_id = {c.id: c for c in rows}

    def path(c: QuestionCategory) -> str:
        names, seen = [], set()
        while c is not None and c.id not in seen:
            seen.add(c.id)
            names.append(c.name)
            c = by_id.get(c.parent_id) if c.parent_id else None
        return " / ".join(reversed(names))

    views = [CategoryView(c.id, c.name, path(c), c.course_id, counts.get(c.id, 0), c.course_id is None or can_change_course) for c in rows]
    # The course's bank first, then the own bank; each by path.
    return sorted(views, key=lambda v: (v.course_id is None, v.path.lower()))


def _category_path(session: Session, actor: Actor, root: QuestionCategory, path: str) -> QuestionCategory:
    """The category at `path` ("a/b") under `root`, created where missing."""
    current = root
    for name in [p.strip() for p in (path or "").split("/") if p.strip()]:
        found = session.exec(select(QuestionCategory).where(QuestionCategory.parent_id == current.id, QuestionCategory.name == name)).first()
        current = found or create_category(session, actor, name, parent_id=current.id)
    return current


# --- questions ---------------------------------------------------------------------------------

def save_question(session: Session, actor: Actor, category_id: int, question: Question, *, question_id: int | None = None) -> BankQuestion:
    """Add a question to a category, or change one (`question_id`): checked whole first."""
    clean = validate(question)
    if question_id:
        row, _ = _question(session, actor, question_id, change=True)
        _category(session, actor, category_id, change=True)
        row.category_id, row.version, row.updated_at = int(category_id), row.version + 1, utcnow()
    else:
        category = _category(session, actor, category_id, change=True)
        row = BankQuestion(org_id=category.org_id, category_id=category.id, created_by_id=actor.user_id)
    row.type, row.title, row.points, row.spec = clean.type, clean.title, clean.points, clean.to_dict()
    session.add(row)
    session.flush()
    return row


def get_question(session: Session, actor: Actor, question_id: int) -> Question:
    row, _ = _question(session, actor, question_id, change=False)
    return Question.from_dict(row.spec)


def delete_question(session: Session, actor: Actor, question_id: int) -> None:
    row, _ = _question(session, actor, question_id, change=True)
    session.delete(row)
    session.flush()


def list_questions(session: Session, actor: Actor, category_id: int, *, search: str = "", type: str = "",
                   page: int = 1) -> tuple[list[QuestionRow], int]:
    """A page of a category's questions (title search, type filter) and how many there are."""
    _category(session, actor, category_id, change=False)
    where = [BankQuestion.category_id == int(category_id)]
    if search.strip():
        where.append(func.lower(BankQuestion.title).like(f"%{search.strip().lower()[:100]}%"))
    if type:
        where.append(BankQuestion.type == type)
    total = session.exec(select(func.count(BankQuestion.id)).where(*where)).one()
    rows = session.exec(select(BankQuestion).where(*where).order_by(func.lower(BankQuestion.title), BankQuestion.id)
                        .offset((max(1, page) - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return [QuestionRow(r.id, r.category_id, r.type, TYPE_LABELS.get(r.type, r.type), r.title, r.points, r.updated_at) for r in rows], total


# --- GIFT --------------------------------------------------------------------------------------

def import_gift(session: Session, actor: Actor, category_id: int, text: str, *, skip_errors: bool = False) -> GiftImport:
    """Read a GIFT file into a category ($CATEGORY lines become sub-categories). A file with
    errors imports nothing, unless `skip_errors`: then the readable questions go in. Every
    question is checked like one typed in the editor; one that fails is an error of its line."""
    root = _category(session, actor, category_id, change=True)
    if len(text.encode("utf-8")) > MAX_GIFT_BYTES:
        raise Invalid(f"The file is larger than {MAX_GIFT_BYTES // (1024 * 1024)} MB.")
    result = gift.parse(text)
    errors = [f"Line {e.line}: {e.message}" for e in result.errors]
    good = []
    for parsed in result.questions:
        try:
            good.append((parsed.category, validate(parsed.question)))
        except Invalid as exc:
            errors.append(f"Line {parsed.line}: {exc.message}")
    errors.sort(key=lambda e: int(e.split(":", 1)[0].removeprefix("Line ")))
    if errors and not skip_errors:
        return GiftImport(0, errors, len(good))
    for path, question in good:
        category = _category_path(session, actor, root, path)
        session.add(BankQuestion(org_id=root.org_id, category_id=category.id, type=question.type, title=question.title,
                                 points=question.points, spec=question.to_dict(), created_by_id=actor.user_id))
    session.flush()
    audit.record(session, actor, "questions.imported", target_type="question_category", target_id=root.id, target_label=root.name,
                 after={"count": len(good), "skipped_errors": len(errors)})
    return GiftImport(len(good), errors, len(good))


def export_gift(session: Session, actor: Actor, category_id: int) -> str:
    """A category's questions (and its sub-categories') as a GIFT file."""
    root = _category(session, actor, category_id, change=False)
    out: list[tuple[str, Question]] = []

    def walk(category: QuestionCategory, path: str) -> None:
        for row in session.exec(select(BankQuestion).where(BankQuestion.category_id == category.id).order_by(BankQuestion.id)).all():
            out.append((path, Question.from_dict(row.spec)))
        for child in session.exec(select(QuestionCategory).where(QuestionCategory.parent_id == category.id).order_by(QuestionCategory.id)).all():
            walk(child, f"{path}/{child.name}" if path else child.name)

    walk(root, "")
    audit.record(session, actor, "questions.exported", target_type="question_category", target_id=root.id, target_label=root.name,
                 after={"count": len(out), "format": "GIFT"})
    return gift.export(out)


def delete_category(session: Session, actor: Actor, category_id: int) -> None:
    """Delete an empty category (move or delete its questions and sub-categories first)."""
    category = _category(session, actor, category_id, change=True)
    if session.exec(select(BankQuestion.id).where(BankQuestion.category_id == category.id).limit(1)).first():
        raise Invalid("The category still holds questions: move or delete them first.")
    if session.exec(select(QuestionCategory.id).where(QuestionCategory.parent_id == category.id).limit(1)).first():
        raise Invalid("The category still holds sub-categories: delete them first.")
    session.execute(delete(QuestionCategory).where(QuestionCategory.id == category.id))
    session.flush()
