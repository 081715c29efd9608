"""Renders the French templates (Jinja2, HTML and text) and sends them with SES."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared import aws, settings

_TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
SENDER_NAME = "Portail Familles"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


def render(template: str, to: str, subject: str, **context: Any) -> Email:
    """``template``.txt and ``template``.html rendered with ``context`` and the portal's address."""
    context = {"portal_url": settings.load().public_url, "subject": subject, **context}
    return Email(
        to=to,
        subject=subject,
        text=_env.get_template(f"{template}.txt").render(**context),
        html=_env.get_template(f"{template}.html").render(**context),
    )


def send(email: Email) -> str:
    """Send with SES; returns its message id. An SES error propagates so the queue retries."""
    conf = settings.load()
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = formataddr((SENDER_NAME, conf.mail_sender))
    message["To"] = email.to
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=conf.mail_sender.split("@")[-1])
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    response = aws.client("ses").send_raw_email(
        Source=conf.mail_sender, Destinations=[email.to], RawMessage={"Data": message.as_bytes()}
    )
    return str(response["MessageId"])
