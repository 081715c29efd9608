"""The catalogue planning owns: structures and séjours, each change published as an event so that
other services (enrolment) keep their own read model. Periods and slots come with issue #4."""

from __future__ import annotations

import uuid
from datetime import date

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


def seed_demo(correlation_id: str = "demo-seed") -> None:
    for event in (*DEMO_STRUCTURES, *DEMO_SEJOURS):
        publish(event, correlation_id)
