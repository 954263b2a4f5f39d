"""How the provider service presents itself on its HTTP edge (OpenAPI title and description);
bootstrap.py builds the app with ``shared.runtime.service_app`` and mounts its routes."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

TITLE = "provider: ЭҮӨШ АЖО / ЖАО АЖ, the provider's workstation"
DESCRIPTION = (
    "The automated workstation of the regional gateway (ЭҮӨШ АЖО, АРМ РШЭП) and the information "
    "system of the local executive body (ЖАО АЖ, ИС МИО): where the akimat department's staff "
    "register and process requests."
)
