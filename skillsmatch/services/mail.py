"""Sending email: over SMTP in production, into an outbox folder in the embedded default.

With ``MAIL_SERVER`` unset (a laptop, the demo) each message is written to ``OUTBOX_DIR`` as an
``.eml`` file that any mail program opens, so that flows such as password reset work without a
mail server. Nothing about a message (address, subject, body) is ever logged.
"""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any


class MailError(RuntimeError):
    """A message could not be handed to the mail server or written to the outbox."""


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message with the headers every mail server expects."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(body)
    return message


def send(config: Mapping[str, Any], to: str, subject: str, body: str) -> None:
    """Send one message as the app's configuration says (SMTP, or the outbox folder)."""
    message = compose(config["MAIL_FROM"], to, subject, body)
    if config.get("MAIL_SERVER"):
        _send_smtp(config, message)
    else:
        _write_outbox(Path(config["OUTBOX_DIR"]), message)


def _send_smtp(config: Mapping[str, Any], message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # The reason only: the exception text can quote the recipient.
        raise MailError(f"the mail server refused the message ({type(exc).__name__})") from None


def _write_outbox(folder: Path, message: EmailMessage) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        path.write_bytes(bytes(message))
        path.chmod(0o600)  # it holds an address and a sign-in link
    except OSError as exc:
        raise MailError(f"the outbox folder could not be written ({exc.strerror})") from None
    return path
