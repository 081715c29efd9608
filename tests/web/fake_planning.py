"""The planning API as docs/api/planning.md describes it, in memory, answered inside the browser
(Playwright's ``page.route``) — so the portal's "Mon planning" screens can be driven before and
independently of services/planning's routes. Calendar, copy and deadlines come from the real domain
code (planning.calendar, planning.pattern, planning.deadlines); the rest is the contract's shapes.

Accounts and enrolment stay real (the live stack): only ``/api/planning/**`` is answered here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from planning.calendar import Calendar, Period
from planning.deadlines import PARIS, DeadlineRule, can_book, can_cancel
from planning.pattern import Line, PatternElement, expand, overlapping_lines, recap
from planning.pattern import Slot as DomainSlot

SCHWEIGHOUSE = {
    "structure_id": "acem-schweighouse",
    "name": "(cah)ACEM - SCHWEIGHOUSE",
    "commune": "Schweighouse-sur-Moder",
    "departement": "67",
    "zone": "B",
    "activities": ["periscolaire"],
    "closures": [],
}
SEJOURS = {
    "structure_id": "sejours",
    "name": "ALEF - Séjours de vacances",
    "commune": "Haguenau",
    "departement": "67",
    "zone": "B",
    "activities": ["sejour"],
    "closures": [],
}
DEADLINE = {"days_before": 2, "hour": "10:00"}
PERISCOLAIRE = {
    "period_id": "periscolaire-2026-2027-schweighouse",
    "structure_id": "acem-schweighouse",
    "name": "PERISCOLAIRE 2026 - 2027 - SCHWEIGHOUSE",
    "activity": "periscolaire",
    "start": "2026-09-01",
    "end": "2027-07-03",
    "weekdays": [0, 1, 3, 4],
    "type": "school_days",
    "booking_opens": "2026-06-01",
    "booking_closes": "2027-06-30",
    "booking_deadline": DEADLINE,
    "cancellation_deadline": DEADLINE,
    "slots": [
        {"code": "MATIN", "label": "PERISCOLAIRE MATIN", "start": "07:30", "end": "08:20", "capacity": 20},
        {"code": "MIDI", "label": "PERISCOLAIRE MIDI", "start": "11:45", "end": "13:45", "capacity": 40},
        {"code": "REPAS", "label": "PERISCOLAIRE REPAS SEUL", "start": "12:00", "end": "13:30", "capacity": 10},
        {"code": "SOIR", "label": "PERISCOLAIRE SOIR", "start": "16:00", "end": "18:30", "capacity": 30},
    ],
}
SEJOUR = {
    "period_id": "sejour-vosges-2027",
    "structure_id": "sejours",
    "name": "Séjour montagne - Vosges",
    "activity": "sejour",
    "start": "2027-07-12",
    "end": "2027-07-16",
    "weekdays": [0, 1, 2, 3, 4],
    "type": "all_days",
    "booking_opens": "2026-11-01",
    "booking_closes": "2027-06-30",
    "booking_deadline": DEADLINE,
    "cancellation_deadline": DEADLINE,
    "sejour_id": "sejour-vosges-2027",
    "slots": [{"code": "SEJOUR", "label": "SEJOUR", "start": "08:00", "end": "18:00", "capacity": 24}],
}
WEEKDAYS_FR = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")


def _error(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> tuple[int, Any]:
    return status, {"error": {"code": code, "message": message, "fields": fields or {}}}


def _rule(deadline: dict[str, Any]) -> DeadlineRule:
    hour, minute = (int(x) for x in deadline["hour"].split(":"))
    return DeadlineRule(deadline["days_before"], time(hour, minute))


def _slot(period: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in period["slots"] if s["code"] == code)


@dataclass
class FakePlanning:
    child_id: str
    child_first_name: str = "Léa"
    family_name: str = "Dupont"
    open: bool = True
    message: str = (
        "Votre planning n'est pas encore ouvert : votre dossier doit être validé par le responsable de la structure."
    )
    now: datetime | None = None
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    feed_secret: str | None = None
    counter: int = 18
    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    # --- plumbing ---------------------------------------------------------------------------

    def install(self, page) -> FakePlanning:
        page.route("**/api/planning/**", self._handle)
        return self

    def _handle(self, route) -> None:
        request = route.request
        url = urlsplit(request.url)
        path = url.path.removeprefix("/api/planning")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = json.loads(request.post_data) if request.post_data else None
        self.calls.append((request.method, path, body))
        if not (request.headers.get("authorization") or "").startswith("Bearer ") and not path.startswith("/feeds/"):
            status, data = _error(401, "unauthenticated", "Votre session a expiré ou n'est pas valide.")
        else:
            try:
                status, data = self._dispatch(request.method, path, query, body)
            except KeyError as missing:
                status, data = _error(404, "not_found", f"Introuvable : {missing}.")
        route.fulfill(
            status=status,
            content_type="application/json; charset=utf-8",
            body="" if data is None else json.dumps(data, ensure_ascii=False),
        )

    def _now(self) -> datetime:
        return self.now or datetime.now(PARIS)

    def _period(self, period_id: str) -> dict[str, Any]:
        return {p["period_id"]: p for p in (PERISCOLAIRE, SEJOUR)}[period_id]

    @staticmethod
    def _calendar(period: dict[str, Any]) -> Calendar:
        return Calendar("67", "B")

    @staticmethod
    def _domain_period(period: dict[str, Any]) -> Period:
        return Period(
            date.fromisoformat(period["start"]),
            date.fromisoformat(period["end"]),
            frozenset(period["weekdays"]),
            period["type"],
            period["name"],
        )

    def _dispatch(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        route = (method, *parts)
        if route == ("GET", "catalogue"):
            return 200, {"structures": [SCHWEIGHOUSE, SEJOURS], "periods": [PERISCOLAIRE, SEJOUR]}
        if route == ("GET", "plannings"):
            if not self.open:
                return 200, {"items": [], "message": self.message}
            return 200, {
                "items": [
                    {
                        "child_id": self.child_id,
                        "structure_id": "acem-schweighouse",
                        "activity": "periscolaire",
                        "status": "open",
                        "periods": [PERISCOLAIRE],
                    },
                    {
                        "child_id": self.child_id,
                        "structure_id": "sejours",
                        "activity": "sejour",
                        "status": "open",
                        "periods": [SEJOUR],
                    },
                ]
            }
        if route == ("GET", "calendar"):
            return 200, self.calendar(query["period_id"], query["month"])
        if route == ("GET", "agenda"):
            return 200, {
                "month": query["month"],
                "lines": [
                    line
                    for r in self.requests.values()
                    for line in self._lines(r)
                    if line["date"].startswith(query["month"])
                ],
            }
        if route == ("POST", "requests", "preview"):
            return self.preview(body)
        if route == ("POST", "requests"):
            return self.create(body)
        if route == ("GET", "requests"):
            return 200, {
                "items": [
                    self._summary(r)
                    for r in sorted(self.requests.values(), key=lambda r: r["created_at"], reverse=True)
                ]
            }
        if len(parts) >= 2 and parts[0] == "requests":
            request = self.requests[parts[1]]
            if route == ("GET", "requests", parts[1]):
                return 200, {**self._summary(request), "lines": self._lines(request)}
            if route == ("POST", "requests", parts[1], "lines"):
                return self.add_lines(request, body)
            if route == ("POST", "requests", parts[1], "cancel"):
                return self.cancel(request, body)
        if route == ("GET", "feed"):  # as services/planning answers (the doc says {"url"})
            return 200, {"active": self.feed_secret is not None}
        if route == ("POST", "feed"):
            self.feed_secret = f"secret{self.counter}{len(self.calls)}"
            return 201, {"url": self._feed_url(), "active": True}
        if route == ("DELETE", "feed"):
            self.feed_secret = None
            return 204, None
        if route == ("GET", "staff", "occupancy"):
            return 200, self.occupancy(query["structure_id"], query["date"])
        if route == ("GET", "staff", "requests"):
            return 200, {
                "items": [
                    {**self._summary(r), "family_name": self.family_name, "family_first_name": "Marie"}
                    for r in self.requests.values()
                    if r["structure_id"] == query.get("structure_id")
                    and any(line["status"] == "pending" for line in r["lines"])
                ]
            }
        if route == ("GET", "staff", "cancellations"):
            return 200, {
                "items": [
                    {
                        **self._summary(r),
                        "family_name": self.family_name,
                        "lines": [x for x in self._lines(r) if x["status"] == "cancel_requested"],
                    }
                    for r in self.requests.values()
                    if r["structure_id"] == query.get("structure_id")
                    and any(line["status"] == "cancel_requested" for line in r["lines"])
                ]
            }
        return _error(404, "not_found", "Cette adresse n'existe pas.")

    def _feed_url(self) -> str | None:
        return f"http://portail.test/api/planning/feeds/{self.feed_secret}.ics" if self.feed_secret else None

    # --- calendar ------------------------------------------------------------------------------

    def calendar(self, period_id: str, month: str) -> dict[str, Any]:
        period = self._period(period_id)
        calendar, domain = self._calendar(period), self._domain_period(period)
        first = date.fromisoformat(f"{month}-01")
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        day, end = first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())
        days = []
        while day <= end:
            reason = None
            if not domain.start <= day <= domain.end or day.weekday() not in domain.weekdays:
                reason = "Hors période"
            elif calendar.is_public_holiday(day) and period["activity"] != "sejour":  # a séjour runs on holidays
                reason = f"Jour férié : {calendar.public_holiday_name(day)}"
            elif domain.type == "school_days" and calendar.is_school_holiday(day):
                reason = "Vacances scolaires"
            days.append({"date": day.isoformat(), "open": reason is None, "reason": reason})
            day += timedelta(days=1)
        return {"days": days}

    # --- requests ------------------------------------------------------------------------------

    def _expand(self, body: dict[str, Any]) -> tuple[dict[str, Any], list[Line]]:
        period = self._period(body["period_id"])
        calendar, domain = self._calendar(period), self._domain_period(period)
        if "first_day_slots" in body:  # every day of the séjour, public holidays included (as services/planning)
            days = [domain.start + timedelta(days=i) for i in range((domain.end - domain.start).days + 1)]
            return period, [Line(d, c) for d in days if d.weekday() in domain.weekdays for c in body["first_day_slots"]]
        selection = [PatternElement(e["weekday"], e["slot_code"], e.get("parity", "all")) for e in body["selection"]]
        return period, expand(selection, calendar, domain)

    def _check(self, body: dict[str, Any]) -> tuple[int, Any] | tuple[dict[str, Any], list[Line], list[dict]]:
        if body.get("child_id") != self.child_id:
            return _error(403, "forbidden", "Votre dossier n'est pas validé pour cette structure.")
        period, lines = self._expand(body)
        slots = {
            s["code"]: DomainSlot(s["code"], time.fromisoformat(s["start"]), time.fromisoformat(s["end"]))
            for s in period["slots"]
        }
        clashes = overlapping_lines(lines, slots)
        if clashes:
            day, a, b = clashes[0]
            text = (
                f"Les plages {_slot(period, a.code)['label']} et {_slot(period, b.code)['label']} se chevauchent "
                f"le {day:%d/%m/%Y}."
            )
            return _error(400, "overlap", text, {"selection": text})
        calendar, rule = self._calendar(period), _rule(period["booking_deadline"])
        kept, skipped = [], []
        for line in lines:
            decision = can_book(self._now(), line.date, rule, calendar)
            if decision:
                kept.append(line)
            else:
                skipped.append({"date": line.date.isoformat(), "slot_code": line.slot_code, "reason": decision.reason})
        if not kept:
            message = "Le délai de réservation est dépassé pour toutes les dates choisies."
            return _error(400, "deadline", message, {"selection": message})
        return period, kept, skipped

    def _recap(self, period: dict[str, Any], lines: list[Line]) -> dict[str, Any]:
        r = recap(lines)
        return {
            "rows": [
                {
                    "weekday": WEEKDAYS_FR[row.weekday],
                    "slot": _slot(period, row.slot_code)["label"],
                    "count": row.count,
                    "first": row.first.isoformat(),
                    "last": row.last.isoformat(),
                }
                for row in r.rows
            ],
            "total_lines": r.total_lines,
            "total_days": r.total_days,
            "first": r.first.isoformat() if r.first else None,
            "last": r.last.isoformat() if r.last else None,
        }

    def preview(self, body: dict[str, Any]) -> tuple[int, Any]:
        checked = self._check(body)
        if isinstance(checked[0], int):
            return checked
        period, lines, skipped = checked
        return 200, {
            "lines": [{"date": x.date.isoformat(), "slot_code": x.slot_code} for x in lines],
            "recap": self._recap(period, lines),
            "skipped": skipped,
        }

    def create(self, body: dict[str, Any]) -> tuple[int, Any]:
        checked = self._check(body)
        if isinstance(checked[0], int):
            return checked
        period, lines, skipped = checked
        self.counter += 1
        request_id = f"req-{self.counter}"
        created = self._now().date().isoformat()
        self.requests[request_id] = {
            "request_id": request_id,
            "number": f"{self.counter:06d}",
            "created_at": created,
            "child_id": self.child_id,
            "period_id": period["period_id"],
            "structure_id": period["structure_id"],
            "lines": [{"date": x.date.isoformat(), "slot_code": x.slot_code, "status": "pending"} for x in lines],
            "history": [{"at": created, "what": "Demande créée"}],
        }
        return 201, {
            "request_id": request_id,
            "number": f"{self.counter:06d}",
            "created_at": created,
            "status": "pending",
            "line_count": len(lines),
            "recap": self._recap(period, lines),
            "skipped": skipped,
        }

    def add_lines(self, request: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
        checked = self._check({**body, "period_id": request["period_id"]})
        if isinstance(checked[0], int):
            return checked
        period, lines, skipped = checked
        have = {(x["date"], x["slot_code"]) for x in request["lines"]}
        new = [x for x in lines if (x.date.isoformat(), x.slot_code) not in have]
        request["lines"] += [{"date": x.date.isoformat(), "slot_code": x.slot_code, "status": "pending"} for x in new]
        request["history"].append({"at": self._now().date().isoformat(), "what": f"Ajout de {len(new)} présences"})
        return 200, {**self._summary(request), "recap": self._recap(period, new), "skipped": skipped}

    def cancel(self, request: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
        period = self._period(request["period_id"])
        calendar, rule = self._calendar(period), _rule(period["cancellation_deadline"])
        active = [x for x in request["lines"] if x["status"] in ("pending", "accepted", "waitlisted")]
        if body.get("all"):
            asked = active
        elif body.get("from"):
            asked = [x for x in active if x["date"] >= body["from"]]
        else:
            wanted = {(x["date"], x["slot_code"]) for x in body.get("lines", [])}
            asked = [x for x in active if (x["date"], x["slot_code"]) in wanted]
        refused = []
        for line in asked:
            decision = can_cancel(self._now(), date.fromisoformat(line["date"]), rule, calendar)
            if not decision:
                refused.append(decision.reason)
        if refused and (body.get("lines") or len(refused) == len(asked)):
            return _error(400, "deadline_passed", refused[0], {"lines": "Délai dépassé."})
        if not asked:
            return _error(400, "nothing", "Aucune présence à annuler.", {"lines": "Aucune présence à annuler."})
        if not body.get("preview"):
            for line in asked:
                line["status"] = "cancel_requested"
            request["history"].append(
                {
                    "at": self._now().date().isoformat(),
                    "what": f"Annulation demandée de {len(asked)} présence{'s' if len(asked) > 1 else ''}",
                }
            )
        lines = [Line(date.fromisoformat(x["date"]), x["slot_code"]) for x in asked]
        return 200, {"recap": self._recap(period, lines), "line_count": len(asked)}

    def _lines(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        period = self._period(request["period_id"])
        structure = SCHWEIGHOUSE if period["structure_id"] == "acem-schweighouse" else SEJOURS
        return [
            {
                **x,
                "slot_label": _slot(period, x["slot_code"])["label"],
                "child_id": request["child_id"],
                "child_first_name": self.child_first_name,
                "request_id": request["request_id"],
                "request_number": request["number"],
                "request_date": request["created_at"],
                "structure_id": structure["structure_id"],
                "structure_name": structure["name"],
                "activity": period["activity"],
                "period_id": period["period_id"],
                "period_name": period["name"],
            }
            for x in sorted(request["lines"], key=lambda x: (x["date"], x["slot_code"]))
        ]

    def _summary(self, request: dict[str, Any]) -> dict[str, Any]:
        period = self._period(request["period_id"])
        counts: dict[str, int] = {}
        for line in request["lines"]:
            counts[line["status"]] = counts.get(line["status"], 0) + 1
        return {
            "request_id": request["request_id"],
            "number": request["number"],
            "created_at": request["created_at"],
            "child_id": request["child_id"],
            "child_first_name": self.child_first_name,
            "structure_id": period["structure_id"],
            "structure_name": (SCHWEIGHOUSE if period["structure_id"] == "acem-schweighouse" else SEJOURS)["name"],
            "period_id": period["period_id"],
            "period_name": period["name"],
            "activity": period["activity"],
            "status": "En attente",
            "line_count": len(request["lines"]),
            "counts": counts,
            "history": request["history"],
        }

    def occupancy(self, structure_id: str, day: str) -> dict[str, Any]:
        period = PERISCOLAIRE if structure_id == "acem-schweighouse" else SEJOUR
        slots = []
        for slot in period["slots"]:
            lines = [
                x
                for r in self.requests.values()
                if r["structure_id"] == structure_id
                for x in r["lines"]
                if x["date"] == day and x["slot_code"] == slot["code"]
            ]
            count = {
                s: sum(1 for x in lines if x["status"] == s)
                for s in ("pending", "accepted", "waitlisted", "cancel_requested")
            }
            slots.append({"code": slot["code"], "label": slot["label"], "capacity": slot["capacity"], **count})
        return {"date": day, "slots": slots}

    # --- test helpers ------------------------------------------------------------------------------

    def add_request(self, lines: list[tuple[str, str]], status: str = "pending") -> dict[str, Any]:
        """A request made earlier (e.g. for a date inside the cancellation deadline)."""
        self.counter += 1
        request_id = f"req-{self.counter}"
        created = (self._now().date() - timedelta(days=30)).isoformat()
        self.requests[request_id] = {
            "request_id": request_id,
            "number": f"{self.counter:06d}",
            "created_at": created,
            "child_id": self.child_id,
            "period_id": PERISCOLAIRE["period_id"],
            "structure_id": "acem-schweighouse",
            "lines": [{"date": d, "slot_code": c, "status": status} for d, c in lines],
            "history": [{"at": created, "what": "Demande créée"}],
        }
        return self.requests[request_id]
