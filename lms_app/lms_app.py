"""The Reflex app: every declared page wrapped in the shell and guarded, the API mounted,
the job runner and the live-update listener started in each worker."""

import reflex as rx

import lms_app.pages  # noqa: F401  (declares every page)
from lms_app import live, settings
from lms_app.api.app import build_api
from lms_app.api.xapi import cors as xapi_cors
from lms_app.components.shell import shell
from lms_app.jobs.runner import run_in_app
from lms_app.page_registry import PAGES
from lms_app.state.auth import AuthState


class LmsApp(rx.App):
    """Reflex's app with the LRS's CORS outside everything: Reflex's own CORS layer (outermost)
    answers every preflight and refuses other origins, which browser content calling /xapi/ needs."""

    def __call__(self):
        return xapi_cors(super().__call__())


app = LmsApp(
    head_components=[rx.script(src="/lms.js"), rx.script(src="/player.js"), rx.script(src="/quiz.js"), rx.script(src="/scorm/runtime.js"), rx.script(src="/scorm/player.js"),
                     rx.el.link(rel="stylesheet", href="/lms.css")],
    api_transformer=build_api(),
)

for spec in PAGES.values():
    app.add_page(shell(spec), route=spec.route, title=f"{spec.title} · LMS", on_load=AuthState.enter_page)

app.register_lifespan_task(live.listen_in_app)
if settings.JOBS_ENABLED:
    app.register_lifespan_task(run_in_app)
