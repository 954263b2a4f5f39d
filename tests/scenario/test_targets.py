"""Where the client and the runner find a topology: default ports on a host, a running
``egov up``'s manifest; and what they say when it cannot be found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from egov.client import ManifestError, TopologyUrls
from egov.client.keys import KeyMaterialError, admin_signer
from egov.scenario.targets import attached_target


def test_a_host_means_every_service_on_its_default_port() -> None:
    urls = TopologyUrls.defaults("http://10.0.0.5/")
    assert urls.as_dict() == {
        "portal": "http://10.0.0.5:8081",
        "gateway": "http://10.0.0.5:8082",
        "elicense": "http://10.0.0.5:8083",
        "registry": "http://10.0.0.5:8084",
        "provider": "http://10.0.0.5:8085",
    }


def test_a_manifest_gives_the_urls_the_data_directory_and_the_providers_log(
    tmp_path: Path,
) -> None:
    urls = {s: f"http://127.0.0.1:{9000 + i}/" for i, s in enumerate(TopologyUrls.__annotations__)}
    manifest = tmp_path / "stack.json"
    manifest.write_text(
        json.dumps(
            {
                "urls": urls,
                "data_dir": str(tmp_path / "var"),
                "services": {"provider": {"event_store_url": "postgresql://x/db?schema=p"}},
            }
        ),
        encoding="utf-8",
    )
    target = attached_target(str(manifest), None)
    assert target.urls.portal == "http://127.0.0.1:9000"
    assert target.data_dir == tmp_path / "var"
    assert target.appoint is not None
    assert target.control is None  # a running stack is not this run's to stop
    assert not target.knows_elicense_staff


def test_a_bad_manifest_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read the stack manifest"):
        TopologyUrls.from_manifest(tmp_path / "missing.json")
    broken = tmp_path / "stack.json"
    broken.write_text('{"urls": {"portal": "http://a:1"}}', encoding="utf-8")
    with pytest.raises(ManifestError, match="no URL for gateway, elicense, registry, provider"):
        TopologyUrls.from_manifest(broken)


def test_without_the_topologys_keys_the_client_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="no provisioned operator key 'ra' under"):
        admin_signer(tmp_path)
