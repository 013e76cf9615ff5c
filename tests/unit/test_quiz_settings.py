"""Quiz settings: what an instructor may set, read back from a lesson's content, and the clear
message for each mistake."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lms_app.assessments.quiz_settings import DEFAULT_REVIEW, QuizSettings
from lms_app.services.errors import Invalid

OPENS = datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc)


def content(**changes) -> dict:
    return {"questions": [{"question_id": 1}, {"category_id": 2, "count": 3}], **changes}


def test_settings_round_trip_through_the_lesson_content():
    s = QuizSettings.from_content(content(
        shuffle_questions=True, time_limit_minutes=30, attempts_allowed=2, grading_method="average", passing_percent=70,
        opens_at="2027-03-01T09:00+01:00", closes_at=(OPENS + timedelta(days=7)).isoformat(),
        review={"score": "after_attempt", "correct_answers": "after_close", "feedback": "never"}))
    assert s.opens_at == OPENS and s.opens_at.tzinfo == timezone.utc, "times are kept in UTC"
    assert s.passing_percent == 70.0 and s.grading_method == "average"
    assert QuizSettings.from_content(s.to_content()) == s
    assert s.is_open(OPENS) and not s.is_open(OPENS - timedelta(seconds=1)) and not s.is_open(OPENS + timedelta(days=7))


def test_defaults_unlimited_attempts_no_time_limit_and_a_safe_review():
    s = QuizSettings.from_content(content())
    assert (s.attempts_allowed, s.time_limit_minutes, s.passing_percent, s.grading_method) == (None, None, None, "highest")
    assert s.review == DEFAULT_REVIEW and s.review["correct_answers"] == "never"
    assert s.shuffle_choices and not s.shuffle_questions


@pytest.mark.parametrize("changes, message", [
    ({"questions": []}, "Add at least one question to the quiz."),
    ({"questions": [{"question_id": 1}, {"question_id": 1}]}, "Question item 2 repeats a question already in the quiz."),
    ({"questions": [{"category_id": 2, "count": 0}]}, "Question item 1 must draw between 1 and 200 questions."),
    ({"questions": [{"title": "x"}]}, "Question item 1 names neither a question nor a category."),
    ({"time_limit_minutes": 0}, "The time limit (minutes) must be between 1 and 10,080."),
    ({"attempts_allowed": "3"}, "The number of attempts must be a whole number."),
    ({"grading_method": "best"}, 'Unknown grading method "best": use highest, last or average.'),
    ({"passing_percent": 120}, "The passing score must be between 0 and 100%."),
    ({"opens_at": "2027-03-01T09:00"}, "The opening time needs a time zone."),
    ({"closes_at": "next week"}, "The closing time is not a date and time."),
    ({"opens_at": OPENS.isoformat(), "closes_at": OPENS.isoformat()}, "The quiz must close after it opens."),
    ({"review": {"score": "sometimes"}}, 'Unknown review option "sometimes" for the score'),
    ({"review": {"correct_answers": "after_close"}}, "Showing the correct answers after the quiz closes needs a closing time."),
    ({"shuffle_questions": "yes"}, "Shuffle questions must be yes or no."),
])
def test_mistakes_get_a_clear_message(changes, message):
    with pytest.raises(Invalid) as exc:
        QuizSettings.from_content(content(**changes))
    assert exc.value.message.startswith(message)


def test_review_parts_show_at_the_right_time():
    s = QuizSettings.from_content(content(closes_at=OPENS.isoformat(),
                                          review={"score": "after_attempt", "correct_answers": "after_close", "feedback": "never"}))
    before, after = OPENS - timedelta(hours=1), OPENS
    assert not s.shows("score", attempt_finished=False, now=before)
    assert s.shows("score", attempt_finished=True, now=before)
    assert not s.shows("correct_answers", attempt_finished=True, now=before)
    assert s.shows("correct_answers", attempt_finished=True, now=after)
    assert not s.shows("feedback", attempt_finished=True, now=after)
