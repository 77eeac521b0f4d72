"""Who may see which orders: owners their own, operators and admins everyone's."""

import uuid

from educert_common.auth import OVERSEEING_ROLES, Principal
from payment.exceptions import OrderNotFound


def user_id_of(principal: Principal) -> uuid.UUID:
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        raise OrderNotFound() from None  # not a user account: owns no orders


def owner_scope(principal: Principal) -> uuid.UUID | None:
    """None for those who oversee everything; the caller's own id otherwise."""
    if not principal.roles.isdisjoint(OVERSEEING_ROLES):
        return None
    return user_id_of(principal)
