"""Assessments: what a question is, how an answer is graded, and question files (GIFT)."""
