"""Instructors' pages: My courses, the course editor and the course roster."""
