"""Renders the French templates (Jinja2, HTML and text) and sends them with SES."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from shared import aws, settings

if TYPE_CHECKING:
    from jinja2 import Environment

_TEMPLATES = Path(__file__).parent / "templates"
SENDER_NAME = "Portail Familles"
PARIS = ZoneInfo("Europe/Paris")
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def long_date(day: date) -> str:
    """``mardi 3 septembre 2024``, ``lundi 1er septembre 2025``."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {number} {_MONTHS[day.month - 1]} {day.year}"


def long_moment(moment: datetime) -> str:
    """``jeudi 26 novembre 2026 à 23 h 59``, in the structures' time (Europe/Paris)."""
    local = moment.astimezone(PARIS)
    return f"{long_date(local.date())} à {local.hour} h {local.minute:02d}"


def short_date(day: date) -> str:
    """``03/09/2024``, as the portal shows a line's date."""
    return day.strftime("%d/%m/%Y")


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``1 présence``, ``135 présences`` (French: 0 and 1 take the singular)."""
    return f"{n} {singular if n <= 1 else plural or singular + 's'}"


@functools.cache
def _environment() -> Environment:
    """The templates' Jinja2 environment, built by the first e-mail rendered: Jinja2 costs about 25 ms of
    CPU to import, which the notifications functions' cold start no longer pays (decision 37)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(long_date=long_date, long_moment=long_moment, short_date=short_date, counted=counted)
    return env


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
        text=_environment().get_template(f"{template}.txt").render(**context),
        html=_environment().get_template(f"{template}.html").render(**context),
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
