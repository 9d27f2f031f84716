"""The operator behind a request: who may handle a counter's operator material (its
token, QR images and poster), as `permissions.py` decides.

A counter's token lets anyone rate it without standing at the desk, so the material
that carries it is for the people who run the desk: a logged-in dashboard user whose
subtree holds the counter, or an API key scoped to the counter's unit. The counter's
name and its figures stay public; only the material is held back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from flask_login import current_user

from ..units.tree import subtree_ids
from . import permissions
from .api_clients import client_for_key


class UnknownKey(Exception):
    """An `Authorization` header was sent but names no active API key."""


@dataclass(frozen=True)
class Operator:
    """A caller allowed to handle the material of `root_unit_id`'s subtree (None: every unit).
    `reader` is who it is, the dashboard user or the API client: which copy of a report it
    reads depends on that (`reports/audience.py`)."""

    root_unit_id: int | None
    reader: object = field(default=None, compare=False)

    def may_handle(self, unit_id: int) -> bool:
        return permissions.may_handle_material(self.root_unit_id, unit_id)

    def unit_ids(self) -> set[int] | None:
        """The units whose material this operator handles, read once; None means all."""
        return None if self.root_unit_id is None else set(subtree_ids(self.root_unit_id))


def current_operator() -> Operator | None:
    """The operator behind this request, or None for an anonymous caller.

    A presented API key wins over a session; a key that is sent but unknown raises
    UnknownKey rather than falling back to anonymous, so a client with a revoked key
    is told so. A user who must still replace a temporary password is not an operator
    yet (the dashboard lets them open nothing else either).
    """
    header = request.headers.get("Authorization")
    if header:
        scheme, _, key = header.partition(" ")
        client = client_for_key(key.strip()) if scheme.lower() == "bearer" else None
        if client is None:
            raise UnknownKey
        return Operator(client.unit_id, client)
    if current_user.is_authenticated and permissions.handles_material(current_user):
        return Operator(permissions.material_root(current_user), current_user._get_current_object())
    return None
