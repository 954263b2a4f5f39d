"""The composition root wires the gateway's own checks into /health: the signing key file and
revocation freshness (here the OCSP responder named in the certificates is unreachable)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization

from gateway_svc.bootstrap import bootstrap
from gateway_svc.settings import GatewaySettings
from shared.bus.memory import InMemoryBus
from shared.config import load_settings
from shared.pki.pkcs12 import dump_pkcs12
from tests.gateway.conftest import SystemCert
from tests.pki.conftest import CaPair
from tests.services.fakes import serving


def key_file(path: Path, cert: SystemCert, ca: CaPair) -> Path:
    path.write_bytes(
        dump_pkcs12(
            cert.key, cert.certificate, (ca.issuing.certificate,), password="gateway-secret"
        )
    )
    return path


async def test_health_fails_when_the_signing_key_file_goes_away(
    tmp_path: Path, gw_ca: CaPair, systems: dict[str, SystemCert]
) -> None:
    path = key_file(tmp_path / "gateway.p12", systems["gateway"], gw_ca)
    settings = load_settings(
        GatewaySettings, data_dir=tmp_path, key_file=path, key_password="gateway-secret"
    )
    bus = InMemoryBus()
    await bus.connect()
    service = bootstrap(settings, bus=bus)
    async with serving(service.app) as client:
        assert (await client.get("/health")).status_code == 200
        path.unlink()
        health = await client.get("/health")
        assert health.status_code == 503
        assert health.json()["failing"] == ["signing_key"]
        assert health.json()["accepting_traffic"] is False
    await bus.close()


async def test_unreachable_revocation_makes_the_gateway_refuse_traffic(
    tmp_path: Path, gw_ca: CaPair, systems: dict[str, SystemCert]
) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(gw_ca.root.certificate.public_bytes(serialization.Encoding.PEM))
    path = key_file(tmp_path / "gateway.p12", systems["gateway"], gw_ca)
    settings = load_settings(
        GatewaySettings,
        data_dir=tmp_path,
        key_file=path,
        key_password="gateway-secret",
        trust_anchors=roots,
    )
    bus = InMemoryBus()
    await bus.connect()
    service = bootstrap(settings, bus=bus)
    async with serving(service.app) as client:
        health = await client.get("/health")
        assert health.status_code == 503
        assert health.json()["failing"] == ["revocation"]
        response = await client.post("/sync/registry.person", content=b"{}")
        assert (response.status_code, response.json()["code"]) == (503, "GATEWAY_UNAVAILABLE")
    await bus.close()
