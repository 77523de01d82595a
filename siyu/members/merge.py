"""References to Customer that a merge must move: every app registers its own here.

A plain reference — a foreign key, or a customer id kept in a plain integer column (other
apps' tables) — is registered with `register_reference(Model, "field")` and moved with one
UPDATE. A reference with its own uniqueness rules (one row per customer and X) registers a
handler instead, which resolves the clash and returns how many rows it moved. An app
registers when its services module is imported, which its AppConfig.ready() does, so a
merge in any process (web, worker, command) finds every app's references.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from siyu.members.models import Customer

Handler = Callable[["Customer", "Customer"], int]
_handlers: dict[str, Handler] = {}


def register_reference(model: type[models.Model], field: str) -> None:
    """A reference to Customer, `model.field`, that simply moves to the survivor: a foreign
    key ("customer") or a customer id kept in a plain integer column ("customer_id", other
    apps' tables); either way one UPDATE of its column."""
    column = model._meta.get_field(field).attname  # type: ignore[union-attr]

    def move(source: Customer, target: Customer) -> int:
        return model._default_manager.filter(**{column: source.pk}).update(**{column: target.pk})

    register_handler(f"{model._meta.label_lower}.{field}", move)


def register_handler(name: str, handler: Handler) -> None:
    _handlers[name] = handler


def move_references(source: Customer, target: Customer) -> dict[str, int]:
    """Run every registered mover; the counts go into the merge record."""
    return {name: handler(source, target) for name, handler in sorted(_handlers.items())}
