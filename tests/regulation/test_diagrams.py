from __future__ import annotations

from pathlib import Path

import pytest

from shared.regulation.catalog import Catalog
from shared.regulation.mermaid import interaction, process, render
from shared.regulation.render_docs import drift, main, render_all, schema_json

DOCS = Path(__file__).resolve().parents[2] / "docs" / "regulations"


def test_committed_docs_match_the_definitions(catalog: Catalog) -> None:
    stale = drift(catalog, DOCS)
    assert stale == [], (
        "docs/regulations/ drifted from the definitions; run "
        "`python -m shared.regulation.render_docs` and commit: " + ", ".join(stale)
    )


def test_drift_is_detected(catalog: Catalog, tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    assert drift(catalog, tmp_path) == []
    page = next(tmp_path.glob("*@almaty-2018.md"))
    page.write_text(page.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    (tmp_path / "old@service-2000.md").write_text("x", encoding="utf-8")
    assert drift(catalog, tmp_path) == [page.name, "old@service-2000.md (stale)"]
    assert main(["--out", str(tmp_path), "--check"]) == 1


def test_every_version_has_both_diagrams(catalog: Catalog) -> None:
    files = render_all(catalog)
    for d in catalog.definitions:
        assert files[f"{d.key}.interaction.mmd"].startswith("sequenceDiagram\n")
        assert files[f"{d.key}.process.mmd"].startswith("flowchart TD\n")
    assert '"title": "Definition"' in schema_json()


def test_process_diagram_has_every_step_norm_and_end(catalog: Catalog) -> None:
    d = catalog.get("A", "almaty-2018")
    text = process(d)
    for step in d.steps:
        assert f"        step_{step.id}[" in text
    assert "⏱ 5 working days" in text
    assert "subgraph lane_expert_commission" in text
    edge = 'step_hand_out -->|"Certificate issued [after certificate_drafted]"| result_certificate'
    assert edge in text
    assert "refused_documents_non_compliant" in text


def test_interaction_diagram_draws_messages_between_systems(catalog: Catalog) -> None:
    d = catalog.get("A", "almaty-2018")
    text = interaction(d)
    assert "participant regional_gateway as ЭҮӨШ АЖО" in text
    assert "portal->>gateway: P5 " in text
    assert "portal--xapplicant: P4 " in text  # refusal drawn as a failed message
    assert "Note over portal: C2 " in text
    # 004 has three diagrams: provider, PSC and portal.
    assert interaction(catalog.get("E", "astana-2012")).count("rect rgba") == 3


def test_unknown_kind_is_refused(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="unknown diagram kind"):
        render(catalog.definitions[0], "gantt")  # type: ignore[arg-type]


def test_no_flowchart_node_id_starts_with_the_end_keyword(catalog: Catalog) -> None:
    for d in catalog.definitions:
        for line in process(d).splitlines()[1:]:
            assert not line.strip().startswith("end") or line.strip() == "end", line
