"""Lesson kinds: each kind's content, editor/player hooks and completion rule (see registry)."""

from lms_app.lessons.registry import Evidence, LessonKind, get, kinds, register, validate_content

__all__ = ["Evidence", "LessonKind", "get", "kinds", "register", "validate_content"]
