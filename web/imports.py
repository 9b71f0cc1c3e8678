"""Pages that import a file: the upload form, its size limit, refusals, and the report of an
import carried to the page after the redirect. The course provider's and the skills board's
imports both work this way; the services in ``skillsmatch.services.file_imports`` do the import.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField

from skillsmatch.extensions import db
from skillsmatch.imports import FORMATS
from skillsmatch.services.file_imports import ImportOutcome
from web.auth.forms import add_error

# Problems listed on the page after a refused import; the count says how many more there are.
PROBLEMS_SHOWN = 200
# The report is carried to the page after the redirect in the session cookie, so its size is
# bounded (a cookie holds about 4 KB).
REPORT_MAX_CHARS = 1500
_REQUEST_MARGIN = 64 * 1024  # room for the other form fields and the multipart framing

Outcome = TypeVar("Outcome", bound=ImportOutcome)


class ImportForm(FlaskForm):
    file = FileField("Upload a file")
    skip_invalid = BooleanField("Import the valid rows and skip the others")


def register_upload(
    bp: Blueprint, endpoint: str, role: str, max_bytes: int, page: Callable[[ImportForm], str]
) -> None:
    """Limit the body of requests to ``endpoint`` to an upload of ``max_bytes``, and answer a
    larger one (413) with the import ``page`` saying so, for an account of ``role``.

    The limit is set by a URL value preprocessor, which runs before the CSRF check reads the
    body, so an oversized upload is refused without being read. Any other request of the
    blueprint found too large gets the generic page.
    """

    def limit(request_endpoint: str | None, _values: dict[str, Any] | None) -> None:
        if request_endpoint == endpoint:
            request.max_content_length = max_bytes + _REQUEST_MARGIN

    def too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
        if (
            request.endpoint == endpoint
            and current_user.is_authenticated
            and current_user.role == role
        ):
            form = ImportForm(formdata=None)
            add_error(
                form, "file", f"The selected file must be smaller than {megabytes(max_bytes)}"
            )
            return page(form), 413
        return render_template(
            "errors/error.html",
            status=413,
            heading="The request is too large",
            text="Go back and try again with less.",
        ), 413

    bp.url_value_preprocessor(limit)
    bp.register_error_handler(RequestEntityTooLarge, too_large)


def megabytes(max_bytes: int) -> str:
    return f"{max_bytes / 1024 / 1024:g} MB"


def file_name(name: str | None) -> str:
    """The uploaded file's name as a page may show it: no folders, short, one line."""
    shown = " ".join((name or "").replace("\\", "/").rsplit("/", 1)[-1].split())
    return shown[:80] or "your file"


def receive(
    form: ImportForm, missing: str, run: Callable[[Path, bool], Outcome]
) -> tuple[str, Outcome] | None:
    """Check the form, then import its file with ``run(path, skip_invalid)``.

    None when the form is wrong or no file was chosen (``missing`` is said on the field);
    otherwise the file's name as shown and what came of it. The upload is kept in a temporary
    folder while ``run`` reads it, under a name whose suffix is kept only if it is one the
    importer knows.
    """
    if not form.validate_on_submit():
        return None
    upload = form.file.data
    if upload is None or not upload.filename:
        add_error(form, "file", missing)
        return None
    suffix = Path(upload.filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix if suffix in FORMATS else ''}"
        upload.save(path)
        outcome = run(path, bool(form.skip_invalid.data))
    return file_name(upload.filename), outcome


def refuse(form: ImportForm, name: str, outcome: ImportOutcome) -> None:
    """Undo whatever the request changed and say on the form why nothing was imported."""
    db.session.rollback()
    if outcome.error:
        add_error(form, "file", f"{name} cannot be imported: {outcome.error}")
    else:
        add_error(
            form,
            "file",
            f"{outcome.skipped} of {outcome.read} rows in {name} have problems, so nothing was "
            "imported. Correct them and upload the file again, or import the valid rows and skip "
            "the others",
        )


def problem_rows(outcome: ImportOutcome | None) -> dict[str, Any]:
    """A refused file's problems as the page lists them: (line, field, reason), at most
    ``PROBLEMS_SHOWN``, and how many more there are."""
    problems = outcome.problems if outcome else []
    return {
        "problems": [(p.row, p.field, p.reason) for p in problems[:PROBLEMS_SHOWN]],
        "more_problems": max(0, len(problems) - PROBLEMS_SHOWN),
    }


def keep_report(key: str, name: str, outcome: ImportOutcome, **extra: int) -> None:
    """What an import did, for the page after the redirect; skipped rows cut to fit a cookie."""
    skipped = [[p.row, p.field, p.reason[:150]] for p in outcome.problems]
    report: dict[str, Any] = {
        "file": name,
        "read": outcome.read,
        "loaded": outcome.loaded,
        "present": outcome.present,
        "skipped_rows": outcome.skipped,
        **extra,
        "problems": skipped,
        "more": 0,
    }
    while skipped and len(json.dumps(report)) > REPORT_MAX_CHARS:
        skipped.pop()
        report["more"] += 1
    session[key] = report


def take_report(key: str) -> dict[str, Any] | None:
    """The report kept by ``keep_report``, once: a reload of the page no longer shows it."""
    report: dict[str, Any] | None = session.pop(key, None)
    return report
