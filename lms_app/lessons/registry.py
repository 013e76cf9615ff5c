"""The lesson-kind registry: what each kind of lesson holds and how it reports completion.

Pure Python (no Reflex): services validate content and decide completion through it; the
authoring and player UIs look up a kind's label and icon here. New kinds (quiz, assignment,
SCORM, ...) register themselves with `register(LessonKind(...))`.

How a kind reports completion:
- "viewed":   the learner reached the end (read to the bottom, opened the file or link);
- "watched":  a share of the media's distinct seconds was played (skipping ahead does not count);
- "passed":   a graded attempt passed (reported by the grading, never by the learner);
- "attended": staff record attendance (live sessions);
- "manual":   the learner marks it done.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from lms_app.assessments.quiz_settings import QuizSettings
from lms_app.services.errors import Invalid

COMPLETION_MODES = ("viewed", "watched", "passed", "attended", "manual")
DEFAULT_WATCH_THRESHOLD = 0.9
MAX_MARKDOWN = 200_000
MAX_IMAGES = 100


@dataclass
class Evidence:
    """What is known about one learner's work on one lesson."""

    viewed: bool = False
    watched_seconds: int = 0  # distinct seconds played
    media_duration: int | None = None  # reported by the player when the content does not say
    passed: bool = False
    attended: bool = False
    marked_done: bool = False


@dataclass(frozen=True)
class LessonKind:
    key: str
    label: str
    icon: str  # a lucide icon name
    completion: str  # one of COMPLETION_MODES
    validate: Callable[[dict[str, Any]], dict[str, Any]]
    # Default: the completion mode's rule (see `is_complete`); a kind may bring its own.
    check: Callable[[dict[str, Any], Evidence], bool] | None = None
    # Whether the learner may report completion themselves (vs. staff or a grader).
    learner_completes: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def validate_content(self, content: dict[str, Any] | None) -> dict[str, Any]:
        if content is not None and not isinstance(content, dict):
            raise Invalid("The lesson content is not in the expected form.")
        return self.validate(dict(content or {}))

    def is_complete(self, content: dict[str, Any], evidence: Evidence) -> bool:
        if self.check is not None:
            return self.check(content, evidence)
        return _MODE_RULES[self.completion](content, evidence)


_KINDS: dict[str, LessonKind] = {}


def register(kind: LessonKind) -> LessonKind:
    if kind.completion not in COMPLETION_MODES:
        raise ValueError(f"unknown completion mode {kind.completion!r}")
    if kind.key in _KINDS:
        raise ValueError(f"lesson kind {kind.key!r} is already registered")
    _KINDS[kind.key] = kind
    return kind


def get(key: str) -> LessonKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise Invalid(f"There is no lesson kind called “{key}”.") from None


def kinds() -> list[LessonKind]:
    return list(_KINDS.values())


def validate_content(key: str, content: dict[str, Any] | None) -> dict[str, Any]:
    """The cleaned content of a lesson of this kind; Invalid with a readable message if wrong."""
    return get(key).validate_content(content)


def content_problem(key: str, content: dict[str, Any] | None) -> str | None:
    """Why this content is not ready for learners (for the publishing checklist), or None."""
    try:
        get(key).validate_content(content)
    except Invalid as exc:
        return exc.message
    return None


# --- completion rules ---------------------------------------------------------------------

def watch_threshold(content: dict[str, Any]) -> float:
    return float(content.get("threshold") or DEFAULT_WATCH_THRESHOLD)


def media_duration(content: dict[str, Any], evidence: Evidence) -> int | None:
    return content.get("duration_seconds") or evidence.media_duration or None


def watched_share(content: dict[str, Any], evidence: Evidence) -> float:
    duration = media_duration(content, evidence)
    if not duration:
        return 0.0
    return min(1.0, evidence.watched_seconds / duration)


def _watched(content: dict[str, Any], evidence: Evidence) -> bool:
    if not media_duration(content, evidence):
        # A video hosted elsewhere whose player reports nothing: opening it is all we can know.
        return content.get("source") == "link" and evidence.viewed
    return watched_share(content, evidence) >= watch_threshold(content) - 1e-9


_MODE_RULES: dict[str, Callable[[dict[str, Any], Evidence], bool]] = {
    "viewed": lambda c, e: e.viewed,
    "watched": _watched,
    "passed": lambda c, e: e.passed,
    "attended": lambda c, e: e.attended,
    "manual": lambda c, e: e.marked_done,
}


# --- content validators -------------------------------------------------------------------

def _text(content: dict[str, Any], name: str, *, required: bool = True, max_len: int = 2000, label: str = "") -> str:
    value = content.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise Invalid(f"Add {label or name} to this lesson.")
    if len(value) > max_len:
        raise Invalid(f"The {label or name} must have at most {max_len} characters.")
    return value


def _url(value: str, what: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Invalid(f"The {what} must be a web address starting with https:// or http://.")
    return value


def _positive_int(content: dict[str, Any], name: str, what: str, *, maximum: int) -> int | None:
    value = content.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"The {what} must be a whole number.") from None
    if not 1 <= number <= maximum:
        raise Invalid(f"The {what} must be between 1 and {maximum}.")
    return number


def _file_path(content: dict[str, Any], what: str) -> str:
    path = _text(content, "file_path", label=f"the {what}", max_len=500)
    # Stored files are named relative to the app's storage; nothing may climb out of it.
    if path.startswith(("/", "\\")) or ".." in path.replace("\\", "/").split("/"):
        raise Invalid(f"The {what} path is not valid.")
    return path


def _validate_text(content: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"markdown": _text(content, "markdown", label="some text", max_len=MAX_MARKDOWN)}
    images = content.get("images") or []
    if not isinstance(images, list) or len(images) > MAX_IMAGES or not all(isinstance(i, dict) for i in images):
        raise Invalid(f"A text lesson holds at most {MAX_IMAGES} uploaded images.")
    if images:
        out["images"] = [{"id": _text(i, "id", label="the image's name", max_len=40), "file_path": _file_path(i, "image"),
                          "name": _text(i, "name", required=False, max_len=200)} for i in images]
    return out


def image_url(lesson_id: int, image_id: str) -> str:
    """Where a text lesson's uploaded image is read (and how its Markdown refers to it)."""
    return f"/files/lessons/{lesson_id}/images/{image_id}"


def relink_images(content: dict[str, Any], lesson_id: int) -> dict[str, Any]:
    """The content of a copied text lesson, its Markdown pointing at its own images (a copy or
    an import gets a new lesson id)."""
    markdown = str(content.get("markdown") or "")
    for image in content.get("images") or []:
        markdown = re.sub(r"/files/lessons/\d+/images/" + re.escape(str(image["id"])) + r"\b", image_url(lesson_id, image["id"]), markdown)
    return {**content, "markdown": markdown}


def stored_files(content: dict[str, Any] | None) -> list[str]:
    """Every file in private storage a lesson's content points to (its file, its images)."""
    content = content or {}
    paths = [content.get("file_path")] + [i.get("file_path") for i in content.get("images") or [] if isinstance(i, dict)]
    return [str(p) for p in paths if p]


def _validate_video(content: dict[str, Any]) -> dict[str, Any]:
    source = content.get("source") or ("link" if content.get("url") else "upload")
    if source not in ("upload", "link"):
        raise Invalid("A video is either an uploaded file or a link.")
    out: dict[str, Any] = {"source": source}
    if source == "upload":
        out["file_path"] = _file_path(content, "video file")
        out.update(_file_details(content))
    else:
        out["url"] = _url(_text(content, "url", label="the video's address", max_len=2000), "video address")
    duration = _positive_int(content, "duration_seconds", "video length in seconds", maximum=24 * 3600)
    if duration:
        out["duration_seconds"] = duration
    threshold = content.get("threshold")
    if threshold not in (None, ""):
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise Invalid("The share of the video to watch must be a number between 0.1 and 1.") from None
        if not 0.1 <= threshold <= 1:
            raise Invalid("The share of the video to watch must be between 10% and 100%.")
        out["threshold"] = threshold
    return out


def _file_details(content: dict[str, Any]) -> dict[str, Any]:
    """The original name (offered when downloading) and size of an uploaded file, if known."""
    out: dict[str, Any] = {}
    name = _text(content, "file_name", required=False, max_len=255)
    if name:
        out["file_name"] = name
    size = content.get("file_size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        out["file_size"] = size
    return out


def _validate_file(content: dict[str, Any]) -> dict[str, Any]:
    out = {"file_path": _file_path(content, "file")}
    out.update(_file_details(content))
    out["file_name"] = out.get("file_name") or out["file_path"].rsplit("/", 1)[-1]
    return out


def _validate_link(content: dict[str, Any]) -> dict[str, Any]:
    url = _url(_text(content, "url", label="a web address", max_len=2000), "link")
    return {"url": url, "open_in_new_tab": bool(content.get("open_in_new_tab", True))}


def _validate_live_session(content: dict[str, Any]) -> dict[str, Any]:
    raw = _text(content, "starts_at", label="the date and time of the session", max_len=64)
    try:
        starts_at = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid("The session's start must be a date and time (2027-03-03T14:00+01:00).") from None
    if starts_at.tzinfo is None:
        raise Invalid("Give the session's start with its time zone.")
    out: dict[str, Any] = {"starts_at": starts_at.isoformat()}
    out["duration_minutes"] = _positive_int(content, "duration_minutes", "session length in minutes", maximum=24 * 60) or 60
    join_url = _text(content, "join_url", required=False, max_len=2000)
    location = _text(content, "location", required=False, max_len=500)
    if not join_url and not location:
        raise Invalid("Say where the session happens: a place or a link to join.")
    if join_url:
        out["join_url"] = _url(join_url, "link to join")
    if location:
        out["location"] = location
    capacity = _capacity(content)
    if capacity:
        out["capacity"] = capacity
    return out


MAX_SEATS = 100_000


def _capacity(content: dict[str, Any]) -> int | None:
    """The number of seats of a live session; None (empty) means no limit."""
    try:
        return _positive_int(content, "capacity", "number of seats", maximum=MAX_SEATS)
    except Invalid:
        raise Invalid(f"The number of seats must be a whole number from 1 to {MAX_SEATS}, or empty for no limit.") from None


register(LessonKind("text", "Text", "file-text", "viewed", _validate_text))
register(LessonKind("video", "Video", "video", "watched", _validate_video))
register(LessonKind("file", "File", "file-down", "viewed", _validate_file))
register(LessonKind("link", "Link", "link", "viewed", _validate_link))
def _validate_quiz(content: dict[str, Any]) -> dict[str, Any]:
    return QuizSettings.from_content(content).to_content()


register(LessonKind("live_session", "Live session", "calendar-clock", "attended", _validate_live_session, learner_completes=False))
register(LessonKind("quiz", "Quiz", "list-checks", "passed", _validate_quiz, learner_completes=False))


# --- assignments: work handed in, graded by a person; a released passing grade completes it ---
from lms_app.assessments.assignment_settings import AssignmentSettings  # noqa: E402


def _validate_assignment(content: dict[str, Any]) -> dict[str, Any]:
    return AssignmentSettings.from_content(content).to_content()


register(LessonKind("assignment", "Assignment", "clipboard-pen", "passed", _validate_assignment, learner_completes=False))


# --- SCORM packages: the content reports completion and success; the LMS never takes a learner's word ---

MAX_SCORM_ATTEMPTS = 100


def _validate_scorm(content: dict[str, Any]) -> dict[str, Any]:
    package_id = content.get("package_id")
    if not isinstance(package_id, int) or isinstance(package_id, bool) or package_id < 1:
        raise Invalid("Upload a SCORM package (a .zip file) to this lesson.")
    out: dict[str, Any] = {"package_id": package_id}
    attempts = _positive_int(content, "max_attempts", "number of attempts allowed", maximum=MAX_SCORM_ATTEMPTS)
    if attempts:
        out["max_attempts"] = attempts
    return out


register(LessonKind("scorm", "SCORM package", "package", "passed", _validate_scorm, learner_completes=False))
