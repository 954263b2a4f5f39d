"""Roles of the definitions as the workstation sees them."""

from __future__ import annotations

from typing import Final

# Roles that act outside the workstation: the PSC operator accepts the application and hands
# out the result at the PSC desk (004 p.7); the workstation records those steps from the desk's
# messages, not from its own staff.
EXTERNAL_ROLES: Final = frozenset({"psc_operator"})
