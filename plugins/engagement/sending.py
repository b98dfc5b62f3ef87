"""Who `invoke send` writes to when the service keeps the subscribers.

The CSV file named by `--subscribers`, when given; otherwise the service's
database, when it is configured (ENGAGEMENT_URL or NENUFAR_DATABASE_URL). In
both cases, nobody who asked to stop receives anything: the unsubscribes the
mailbox gave (private/unsubscribed.csv) and those the service recorded (left
subscribers, one-click unsubscribes of tokens it does not know) are all honoured.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from newsletter import Plan, SendError, Subscriber, plan_send as plan_from_csv, unsubscribed, unsubscribed_file
from shared import Problem

from . import db, store


def plan_send(settings: dict, editions, subscribers: Path | None = None, *, environ=os.environ,
              test_environment: bool = False) -> Plan:
    if subscribers is None and not db.configured(settings, environ):
        raise SendError(Problem("", None, "aucun fichier d’abonnés (--subscribers FICHIER.csv) et aucun service "
                                          "d’abonnement configuré (ENGAGEMENT_URL ou NENUFAR_DATABASE_URL)"))
    if subscribers is not None:
        plan = plan_from_csv(editions, subscribers, unsubscribed_file(settings), test_environment=test_environment)
    else:
        addresses, tokens = unsubscribed(unsubscribed_file(settings))
        plan = _plan_from_database(settings, editions, environ, frozenset(addresses), frozenset(tokens))
    if db.exists(settings, environ):
        engine = db.engine_for(settings, environ)
        try:
            left, tokens = store.stopped(engine)
        finally:
            engine.dispose()
        plan = replace(plan, unsubscribed_addresses=plan.unsubscribed_addresses | left,
                       unsubscribed_tokens=plan.unsubscribed_tokens | tokens)
    return plan


def _plan_from_database(settings, editions, environ, addresses, tokens) -> Plan:
    tiers = {e.tier for e in editions}
    engine = db.engine_for(settings, environ)
    try:
        people = store.active_subscribers(engine)
    finally:
        engine.dispose()
    chosen, skipped = [], []
    shown = "base des abonnés"
    for number, person in enumerate(people, start=1):
        if person.tier not in tiers:
            skipped.append(Problem(shown, None, f"palier inconnu «\u202f{person.tier}\u202f» pour {person.email} "
                                                f"(paliers\u00a0: {', '.join(sorted(tiers))}), abonné ignoré"))
            continue
        chosen.append(Subscriber(person.email, person.name, person.tier, person.token, number))
    return Plan(tuple(editions), tuple(chosen), tuple(skipped), addresses, tokens)
