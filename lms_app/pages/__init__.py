"""Importing this package declares every page (each module registers its own)."""

from lms_app.pages import auth, home, profile  # noqa: F401
