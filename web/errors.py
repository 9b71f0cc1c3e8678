"""Generic error pages: what went wrong for the person, never how (no stack traces, no data)."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

# Status -> (heading, what the person can do). Headings follow the GOV.UK error page patterns.
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Sorry, there is a problem with your request", "Go back, reload the page and try again."),
    403: (
        "You do not have permission to see this page",
        "If you think you should have access, sign in with the account that does.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you "
        "copied the entire address.",
    ),
    405: (
        "Sorry, that action is not allowed here",
        "Go back and use the buttons and links on the page.",
    ),
    429: ("Too many attempts", "You have tried too many times. Wait a minute, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
}
CSRF_MESSAGE = (
    "Sorry, this form has expired",
    "Go back, reload the page and fill in the form again.",
)
# Bare HTML for when even the error template fails (for example, the database is down).
_FALLBACK = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} – SkillsMatch'
    "</title></head><body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)


def _page(
    status: int, heading: str, text: str, headers: dict[str, str] | None = None
) -> ResponseReturnValue:
    try:
        body = render_template("errors/error.html", status=status, heading=heading, text=text)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        current_app.logger.exception("error page %s could not be rendered", status)
        body = _FALLBACK.format(title=heading, text=text)
    return body, status, headers or {}


def _csrf_error(error: CSRFError) -> ResponseReturnValue:
    current_app.logger.info("CSRF check failed: %s", error.description)
    return _page(400, *CSRF_MESSAGE)


def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    heading, text = MESSAGES.get(status, (error.name, "Go back and try again."))
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    if status == 429 and getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)  # type: ignore[attr-defined]
    return _page(status, heading, text, headers)


def _server_error(error: InternalServerError) -> ResponseReturnValue:
    # Flask has already logged the exception with its traceback; the page says nothing of it.
    return _page(500, *MESSAGES[500])
