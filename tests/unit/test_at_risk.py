"""The at-risk rules on hand-made learners: each rule at its threshold, the sentences shown,
and the order of the list."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lms_app.analytics.at_risk import LearnerFacts, at_risk, reasons

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def learner(*, enrolled_days=3, idle_days=None, done=0, counted=10, expected_days=30, total=None, failed=(), name="Ana", uid=1):
    return LearnerFacts(uid, uid, name, f"{name.lower()}@example.com", NOW - timedelta(days=enrolled_days),
                        None if idle_days is None else NOW - timedelta(days=idle_days), done, counted, expected_days, total, tuple(failed))


def texts(facts):
    return [r.text for r in reasons(facts, NOW)]


def test_a_learner_on_track_has_no_reason():
    assert texts(learner(enrolled_days=10, idle_days=1, done=4, total=75.0)) == []


def test_no_activity_from_fourteen_days():
    assert texts(learner(enrolled_days=5, idle_days=13, done=9)) == []
    assert texts(learner(enrolled_days=20, idle_days=14, done=9)) == ["No activity in the course for 14 days"]
    # Nothing opened yet: counted from the enrollment day.
    assert texts(learner(enrolled_days=15, done=9)) == ["No activity since enrolling for 15 days"]


def test_behind_the_expected_pace():
    # Day 15 of 30: half expected; 2 of 10 done is 30 points behind (more than 25).
    assert texts(learner(enrolled_days=15, idle_days=1, done=2)) == ["Behind pace: 2 of 10 lessons done (20%), 50% expected by now"]
    # 3 of 10 is 20 points behind: within the tolerance.
    assert texts(learner(enrolled_days=15, idle_days=1, done=3)) == []
    # 25 points behind exactly is not "more than".
    assert texts(learner(enrolled_days=15, idle_days=1, done=25, counted=100)) == []


def test_pace_waits_for_the_first_week_and_caps_at_the_whole_course():
    assert texts(learner(enrolled_days=6, idle_days=1, done=0)) == []
    # A course with a 10-day access period: after 40 days everything is expected.
    assert texts(learner(enrolled_days=40, idle_days=1, done=7, expected_days=10)) == [
        "Behind pace: 7 of 10 lessons done (70%), 100% expected by now"]
    # No counted lessons: no pace.
    assert texts(learner(enrolled_days=40, idle_days=1, counted=0)) == []


def test_failing_scores_below_fifty_percent():
    assert texts(learner(idle_days=1, total=49.6)) == ["Failing: course total 49% (pass mark 50%)"]
    assert texts(learner(idle_days=1, total=50.0)) == []
    assert texts(learner(idle_days=1, total=None)) == []


def test_repeated_failed_attempts_from_two():
    facts = learner(idle_days=1, failed=[("Fire check", 1), ("Ladder check", 2), ("Forklift check", 4)])
    assert texts(facts) == ["Failed “Ladder check” 2 times without passing", "Failed “Forklift check” 4 times without passing"]


def test_all_rules_together_in_order():
    facts = learner(enrolled_days=30, done=0, total=10.0, failed=[("Fire check", 3)])
    assert [r.code for r in reasons(facts, NOW)] == ["inactive", "behind", "failing", "failed_attempts"]


def test_the_list_puts_most_reasons_first_then_the_longest_idle_then_names():
    on_track = learner(idle_days=1, name="Ok", uid=1)
    one_idle_long = learner(enrolled_days=60, idle_days=40, done=10, name="Bo", uid=2)
    one_idle_short = learner(enrolled_days=60, idle_days=20, done=10, name="Al", uid=3)
    two = learner(enrolled_days=20, done=0, name="Zed", uid=4)
    tie = learner(enrolled_days=60, idle_days=20, done=10, name="Ab", uid=5)
    listed = at_risk([on_track, one_idle_long, one_idle_short, two, tie], NOW)
    assert [r.facts.name for r in listed] == ["Zed", "Bo", "Ab", "Al"]
    assert [r.days_inactive for r in listed] == [20, 40, 20, 20]
