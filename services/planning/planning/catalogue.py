"""The catalogue planning owns: structures (with their closures), periods with their slots, and séjours.
Structures and séjours are published as events so that other services (enrolment) keep a read model."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from planning.models import CatalogueItem, Outbox
from shared import clock, outbox
from shared.ddb import transaction
from shared.events import planning as ev

# The reference association's demo catalogue: structures in Bas-Rhin (school zone B) and summer camps.
DEMO_STRUCTURES = (
    ev.StructurePublished(structure_id="acem-schweighouse", name="(cah)ACEM - SCHWEIGHOUSE",
                          commune="Schweighouse-sur-Moder", departement="67", zone="B",
                          activities=["periscolaire"]),
    ev.StructurePublished(structure_id="acem-haguenau-mercredi", name="ACEM - HAGUENAU (mercredis)",
                          commune="Haguenau", departement="67", zone="B", activities=["mercredi"]),
    ev.StructurePublished(structure_id="creche-les-lutins", name="Crèche Les Lutins - BISCHWILLER",
                          commune="Bischwiller", departement="67", zone="B", activities=["creche"]),
    ev.StructurePublished(structure_id="sejours", name="ALEF - Séjours de vacances", commune="Haguenau",
                          departement="67", zone="B", activities=["sejour"]),
)
DEMO_SEJOURS = (
    ev.SejourPublished(sejour_id="sejour-vosges-2027", structure_id="sejours", name="Séjour montagne - Vosges",
                       start=date(2027, 7, 12), end=date(2027, 7, 16), places=24, age_min=6, age_max=11),
    ev.SejourPublished(sejour_id="sejour-mer-2027", structure_id="sejours", name="Séjour mer - Île d'Oléron",
                       start=date(2027, 7, 19), end=date(2027, 7, 23), places=30, age_min=9, age_max=14),
)


def publish(event: ev.StructurePublished | ev.SejourPublished, correlation_id: str) -> None:
    """Save a catalogue entry and announce it, in one transaction."""
    kind, entry_id = (("structure", event.structure_id) if isinstance(event, ev.StructurePublished)
                      else ("sejour", event.sejour_id))
    fresh = event.model_copy(update={"event_id": str(uuid.uuid4()), "correlation_id": correlation_id,
                                     "occurred_at": clock.now()})
    data = fresh.model_dump_json(exclude={"event_id", "occurred_at", "schema_version", "correlation_id"})
    with transaction() as tx:
        tx.save(CatalogueItem(*CatalogueItem.key(kind, entry_id), kind=kind, data=data, changed_at=clock.now()))
        tx.save(outbox.entry(Outbox, fresh))


DEMO_CLOSURES: dict[str, list[dict[str, str]]] = {
    "acem-schweighouse": [{"start": "2025-05-02", "end": "2025-05-02", "label": "Pont du 1er mai"}],
}


def _slot(code: str, label: str, start: str, end: str, capacity: int) -> dict[str, Any]:
    return {"code": code, "label": label, "start": start, "end": end, "capacity": capacity}


def _periscolaire(first: int) -> dict[str, Any]:
    starts = {2024: ("2024-09-02", "2025-07-04"), 2025: ("2025-09-01", "2026-07-03"),
              2026: ("2026-09-01", "2027-07-02")}
    start, end = starts[first]
    return {
        "period_id": f"periscolaire-{first}-{first + 1}-schweighouse", "structure_id": "acem-schweighouse",
        "name": f"PERISCOLAIRE {first} - {first + 1} - SCHWEIGHOUSE", "activity": "periscolaire",
        "start": start, "end": end, "weekdays": [0, 1, 3, 4], "type": "school_days",
        "booking_opens": f"{first}-01-15", "booking_closes": end,
        "booking_deadline": {"days_before": 2, "hour": "10:00"},
        "cancellation_deadline": {"days_before": 2, "hour": "10:00"},
        "slots": [_slot("MATIN", "PERISCOLAIRE MATIN", "07:30", "08:20", 30),
                  _slot("MIDI", "PERISCOLAIRE MIDI", "11:45", "13:45", 60),
                  _slot("SOIR", "PERISCOLAIRE SOIR", "16:00", "18:30", 40)],
    }


DEMO_PERIODS: tuple[dict[str, Any], ...] = (
    _periscolaire(2024), _periscolaire(2025), _periscolaire(2026),
    {"period_id": "mercredi-2026-2027-haguenau", "structure_id": "acem-haguenau-mercredi",
     "name": "MERCREDI 2026 - 2027 - HAGUENAU", "activity": "mercredi", "start": "2026-09-02",
     "end": "2027-06-30", "weekdays": [2], "type": "school_days", "booking_opens": "2026-01-15",
     "booking_closes": "2027-06-30", "booking_deadline": {"days_before": 2, "hour": "10:00"},
     "cancellation_deadline": {"days_before": 2, "hour": "10:00"},
     "slots": [_slot("JOURNEE", "MERCREDI JOURNEE", "07:30", "18:30", 40),
               _slot("MATIN", "MERCREDI MATIN", "07:30", "12:00", 20),
               _slot("APRESMIDI", "MERCREDI APRES-MIDI", "13:30", "18:30", 20)]},
    {"period_id": "creche-2026-2027-bischwiller", "structure_id": "creche-les-lutins",
     "name": "CRECHE 2026 - 2027 - BISCHWILLER", "activity": "creche", "start": "2026-09-01",
     "end": "2027-07-30", "weekdays": [0, 1, 2, 3, 4], "type": "all_days", "booking_opens": "2026-01-15",
     "booking_closes": "2027-07-30", "booking_deadline": {"days_before": 2, "hour": "10:00"},
     "cancellation_deadline": {"days_before": 2, "hour": "10:00"},
     "slots": [_slot("MATIN", "CRECHE MATIN", "07:30", "12:30", 15),
               _slot("APRESMIDI", "CRECHE APRES-MIDI", "13:00", "18:30", 15)]},
    *({"period_id": s.sejour_id, "structure_id": s.structure_id, "name": s.name.upper(), "activity": "sejour",
       "start": s.start.isoformat(), "end": s.end.isoformat(), "weekdays": [0, 1, 2, 3, 4], "type": "all_days",
       "booking_opens": "2026-11-01", "booking_closes": s.start.isoformat(),
       "booking_deadline": {"days_before": 7, "hour": "12:00"},
       "cancellation_deadline": {"days_before": 7, "hour": "12:00"}, "sejour_id": s.sejour_id,
       "slots": [_slot("SEJOUR", "SEJOUR", "08:00", "18:00", s.places)]} for s in DEMO_SEJOURS),
)


def save_period(period: dict[str, Any]) -> None:
    CatalogueItem(*CatalogueItem.key("period", period["period_id"]), kind="period", data=json.dumps(period),
                  changed_at=clock.now()).save()


def save_closures(structure_id: str, closures: list[dict[str, str]]) -> None:
    CatalogueItem(*CatalogueItem.key("closures", structure_id), kind="closures", data=json.dumps(closures),
                  changed_at=clock.now()).save()


class Snapshot(dict[str, dict[str, dict[str, Any]]]):
    """``{kind: {id: data}}``, with each entry's version (its ``changed_at``) in ``versions``, so that a
    back-office write can be conditional on the version this one read gave (no second read)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.versions: dict[tuple[str, str], datetime] = {}


def snapshot() -> Snapshot:
    """The whole catalogue in one Query: ``{kind: {id: data}}`` (structure, period, sejour, closures)."""
    result = Snapshot()
    for item in CatalogueItem.query("CATALOGUE", consistent_read=True):
        kind, entry_id = item.sk.split("#", 1)
        result.setdefault(kind.lower(), {})[entry_id] = json.loads(item.data)
        result.versions[(kind.lower(), entry_id)] = item.changed_at
    return result


def structures(snap: Snapshot | None = None) -> dict[str, dict[str, Any]]:
    snap = snap if snap is not None else snapshot()
    closures = snap.get("closures", {})
    return {sid: {**data, "closures": closures.get(sid, [])} for sid, data in snap.get("structure", {}).items()}


def periods(snap: Snapshot | None = None) -> dict[str, dict[str, Any]]:
    return (snap if snap is not None else snapshot()).get("period", {})


def seed_demo(correlation_id: str = "demo-seed") -> None:
    for event in (*DEMO_STRUCTURES, *DEMO_SEJOURS):
        publish(event, correlation_id)
    for period in DEMO_PERIODS:
        save_period(period)
    for structure_id, closures in DEMO_CLOSURES.items():
        save_closures(structure_id, closures)
