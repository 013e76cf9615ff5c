"""The landing page: sends each visitor on to their role's own landing page."""

from __future__ import annotations

import reflex as rx

from lms_app.page_registry import SIGNED_IN, page


@page("/", "Home", permission=SIGNED_IN)
def index() -> rx.Component:
    # AuthState.enter_page sends the visitor to their landing page.
    return rx.center(rx.spinner(size="3"), padding_y="64px")
