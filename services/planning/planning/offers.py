"""Places offered from the waiting list, when a period gives families time to answer
(``offer_reply_days``): the place is held for the family until the deadline; it accepts it, declines it,
or lets it lapse, and a declined or lapsed place goes to the next waiting family.

The open offers are indexed by request (``OpenOffer``) with their earliest deadline, so that the hourly
expiry (a scheduled Lambda; a thread of the local stack) is one Query.
"""

from __future__ import annotations

from collections.abc import Iterable

from planning import decisions
from planning.lifecycle import Transition
from planning.line_store import StaleWrite, UnitOfWork
from planning.models import OpenOffer, ReservationLine, ReservationRequest
from planning.reservations import PeriodContext, context, get_request, request_lines
from shared import clock
from shared.ddb import transaction
from shared.errors import Conflict

DECLINED = "Place déclinée par la famille."
LAPSED = "Sans réponse dans le délai : la place a été proposée à la famille suivante."


def reply(family_id: str, request_id: str, accept: bool, correlation_id: str) -> dict[str, int]:
    """The family accepts or declines every place offered on its request. A place whose deadline has
    passed is no longer the family's: it lapses now, as the hourly expiry would have done."""
    request = get_request(family_id, request_id)
    ctx = context(request.period_id)
    now = clock.now().isoformat()
    offered = [ln for ln in request_lines(request) if ln.status == "offered"]
    late = [ln for ln in offered if (ln.offer_until or "") <= now]
    if late:
        _release(ctx, request, late, LAPSED, "offer_expired", "Place proposée non acceptée dans le délai",
                 correlation_id)
    live = [ln for ln in offered if ln not in late]
    if not live:
        raise Conflict("Aucune place ne vous est proposée sur cette demande, ou le délai de réponse est dépassé.",
                       fields={"accept": "Aucune proposition en cours."})
    if not accept:
        return {"accepted": 0, "declined": _release(ctx, request, live, DECLINED, "offer_answered",
                                                    "Place proposée déclinée par la famille", correlation_id)}
    taken = 0
    for start in range(0, len(live), decisions.TRANSACTION_LINES):
        uow = UnitOfWork()
        chunk = live[start:start + decisions.TRANSACTION_LINES]
        for line in chunk:
            uow.move(line, Transition.TAKE_OFFER, offer_until=None)
        try:
            uow.commit()
        except StaleWrite:  # the hourly expiry took it meanwhile
            if taken:
                break
            raise Conflict("Le délai de réponse vient d'être dépassé : la place a été proposée à la famille suivante.",
                           fields={"accept": "Proposition expirée."}) from None
        taken += len(chunk)
    _announce(ctx, request, "offer_answered", "Place proposée acceptée par la famille", correlation_id)
    return {"accepted": taken, "declined": 0}


def expire_due(correlation_id: str) -> list[str]:
    """Release every offered place whose deadline has passed, and offer it to the next waiting family.
    Returns the requests whose offers lapsed."""
    now = clock.now().isoformat()
    lapsed = []
    for offer in OpenOffer.query("OFFERS"):
        if offer.until > now:
            continue
        request = ReservationRequest.get(*ReservationRequest.key(offer.family_id, offer.request_id))
        late = [ln for ln in request_lines(request) if ln.status == "offered" and (ln.offer_until or "") <= now]
        if late:
            _release(context(request.period_id), request, late, LAPSED, "offer_expired",
                     "Place proposée non acceptée dans le délai", correlation_id)
            lapsed.append(request.request_id)
        else:
            _announce(context(request.period_id), request, None, "", correlation_id)  # re-index what is left
    return lapsed


def _release(ctx: PeriodContext, request: ReservationRequest, lines: Iterable[ReservationLine], reason: str,
             trigger: str, what: str, correlation_id: str) -> int:
    """Refuse these offered lines, free their places, tell the family, and give the places to the next
    waiting families (this request excluded)."""
    freed = [(ln.date, ln.slot_code) for ln in lines
             if decisions.release_line(ctx, ln, "refused", 0, reason, held="offered")]
    _announce(ctx, request, trigger, what, correlation_id)
    if freed:
        decisions.promote_all(ctx, freed, correlation_id, skip=request.request_id)
    return len(freed)


def _announce(ctx: PeriodContext, request: ReservationRequest, trigger: str | None, what: str,
              correlation_id: str) -> None:
    """Tell the family (unless ``trigger`` is None); either way the offers' index follows the lines."""
    if trigger is not None:
        decisions.announce(ctx, request, trigger, what, correlation_id)
        return
    with transaction() as tx:
        decisions.offer_index(request, request_lines(request))(tx)
