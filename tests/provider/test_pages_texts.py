"""Every text the workstation's pages show exists in Kazakh, Russian and English: each key of
the pages' catalog, each key a template names, and the names made from the domain's own values
(statuses, channels, event types, norm units)."""

from __future__ import annotations

import re
from pathlib import Path

from provider_svc.domain import events as provider_events
from provider_svc.domain.statuses import ALL_STATUSES
from provider_svc.pages.texts import TEXTS
from shared.pages.texts import SHARED_TEXTS
from shared.regulation import engine
from shared.regulation.model import Channel, NormUnit

TEMPLATES = Path(__file__).parents[2] / "provider_svc" / "pages" / "templates"
REQUEST_EVENTS = (
    provider_events.REQUEST_RECEIVED,
    provider_events.APPLICANT_CHECKED,
    provider_events.GROUNDS_RECORDED,
    provider_events.RESULT_SIGNED,
    provider_events.STATUS_NOTIFIED,
    *sorted(engine.ENGINE_EVENT_TYPES),
)


def test_each_text_is_in_the_three_languages() -> None:
    keys = TEXTS.keys()
    assert keys
    for key in keys:
        entry = TEXTS.entry(key)
        assert entry is not None
        for language in ("kk", "ru", "en"):
            assert entry.get(language, "").strip(), (key, language)


def test_each_key_a_template_names_exists() -> None:
    catalog = SHARED_TEXTS.merged(TEXTS)
    for template in TEMPLATES.glob("*.html"):
        for key in re.findall(r"""\bt\(\s*["']([A-Za-z0-9_.]+)["']\s*[,)]""", template.read_text()):
            assert key in catalog, (template.name, key)


def test_the_domains_values_have_their_names() -> None:
    wanted = (
        [f"status.{s}" for s in ALL_STATUSES]
        + [f"channel.{c.value}" for c in Channel if c is not Channel.ELICENSE_PORTAL]
        + [f"event.{t.rsplit('.v', 1)[0]}" for t in REQUEST_EVENTS]
        + [f"unit.{u.value}" for u in NormUnit]
    )
    missing = [key for key in wanted if key not in TEXTS]
    assert not missing
