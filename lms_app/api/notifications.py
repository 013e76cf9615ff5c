"""The unsubscribe link of notification emails: /unsubscribe?token=...

GET only shows what the link would change, with a button: mail scanners open every link in
an email, and that must not change anyone's settings. POST (the button, or a mail program's
one-click unsubscribe) applies it. The signed token is the proof; no sign-in is needed.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lms_app import db, settings
from lms_app.api.common import client_ip
from lms_app.services import notifications
from lms_app.services.errors import DomainError

router = APIRouter()

_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"}
_MAX_BODY = 4096


def _page(heading: str, paragraphs: list[str], *, form_token: str | None = None, status: int = 200) -> HTMLResponse:
    esc = html.escape
    form = (f'<form method="post" action="{notifications.UNSUBSCRIBE_PATH}"><input type="hidden" name="token" value="{esc(form_token)}">'
            '<button type="submit">Confirm</button></form>') if form_token else ""
    settings_link = f'<p class="muted"><a href="{esc(settings.PUBLIC_URL + notifications.PREFERENCES_PATH)}">All your notification settings</a> (after signing in)</p>'
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{esc(heading)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1c2024;line-height:1.5}}
button{{font:inherit;padding:.5rem 1.2rem;border:0;border-radius:6px;background:#3e63dd;color:#fff;cursor:pointer}}
.muted{{color:#60646c;font-size:.9rem}}</style></head>
<body><h1>{esc(heading)}</h1>{body}{form}{settings_link}</body></html>"""
    return HTMLResponse(document, status_code=status, headers=_HEADERS)


def _refused(exc: DomainError) -> HTMLResponse:
    return _page("This link does not work", [exc.message], status=exc.status_code)


@router.get(notifications.UNSUBSCRIBE_PATH)
async def confirm_unsubscribe(request: Request) -> HTMLResponse:
    token = request.query_params.get("token")
    try:
        with db.session_scope() as session:
            preview = notifications.unsubscribe_preview(session, token)
    except DomainError as exc:
        return _refused(exc)
    if not preview.changed:
        return _page("Nothing to change", [f"Your emails about “{preview.kind_label}” are already set this way.", preview.message])
    return _page("Change your email settings?", [f"Emails about: {preview.kind_label}.", preview.message], form_token=token)


@router.post(notifications.UNSUBSCRIBE_PATH)
async def apply_unsubscribe(request: Request) -> HTMLResponse:
    # The token comes from the confirmation form, or in the link itself for a mail
    # program's one-click unsubscribe (RFC 8058).
    raw = await request.body()
    form = parse_qs(raw[:_MAX_BODY].decode("utf-8", errors="replace")) if len(raw) <= _MAX_BODY else {}
    token = (form.get("token") or [None])[0] or request.query_params.get("token")
    try:
        with db.session_scope() as session:
            done = notifications.unsubscribe(session, token, ip=client_ip(request))
    except DomainError as exc:
        return _refused(exc)
    heading = "Your email settings are changed" if done.changed else "Nothing to change"
    return _page(heading, [done.message])
