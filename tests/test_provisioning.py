"""Keys for ``egov run``: every system of the gateway's rules gets a key file from registry_svc's
CA, kept owner-only, reused across restarts and issued again when it is no longer good."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from structlog.testing import capture_logs

from egov.embedded import EmbeddedSettings, configure, run_embedded
from egov.provisioning import (
    OPERATORS,
    OPERATORS_GROUP,
    Provisioned,
    ProvisioningError,
    embedded_rules,
    key_group,
    provision,
    registry_public_url,
    system_ids,
)
from elicense_svc.settings import ElicenseSettings
from gateway_svc.rules import DEFAULT_RULES, parse_rules
from gateway_svc.settings import GatewaySettings
from portal_svc.settings import PortalSettings
from provider_svc.settings import ProviderSettings
from registry_svc.ca_service import CaService
from registry_svc.domain.ca import CA_STREAM, CERTIFICATE_ISSUED
from registry_svc.settings import RegistrySettings
from shared.authz import Kind, kinds_of
from shared.clock import SimulatedClock
from shared.config import RuntimeSettings, ServiceSettings, SettingsError, load_settings
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.ca import CaUrls
from shared.pki.certinfo import identity_of
from shared.pki.pkcs12 import load_pkcs12
from shared.runtime import StartupFailed

REGISTRY = "http://127.0.0.1:18084"
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
SYSTEMS = system_ids(parse_rules(DEFAULT_RULES.read_text(encoding="utf-8")))
# Every key provisioning makes: the systems' and the operators' (shared.authz's roles).
KEYS = (*SYSTEMS, *(o.key_name for o in OPERATORS))


async def run(data_dir: Path, clock: SimulatedClock, registry: str = REGISTRY) -> Provisioned:
    return await provision(
        data_dir,
        registry_store_url=f"sqlite:///{data_dir / 'registry.sqlite3'}",
        registry_url=registry,
        systems=SYSTEMS,
        clock=clock,
    )


def certificate(provisioned: Provisioned, system_id: str) -> x509.Certificate:
    group = provisioned.group(key_group(system_id))
    data = group.key_file(system_id).read_bytes()
    return load_pkcs12(data, password=group.password.get_secret_value()).certificate


def ocsp_url(cert: x509.Certificate) -> str:
    access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    [ocsp] = [d for d in access if d.access_method == AuthorityInformationAccessOID.OCSP]
    return str(ocsp.access_location.value)


def serials(provisioned: Provisioned) -> dict[str, int]:
    return {s: certificate(provisioned, s).serial_number for s in SYSTEMS}


def test_every_system_of_the_rules_and_the_gateway_needs_a_key() -> None:
    assert {"portal", "gateway", "elicense", "registry", "psc.astana", "psc.almaty"} <= set(SYSTEMS)
    assert "provider.almaty.culture" in SYSTEMS
    assert [key_group(s) for s in ("psc.astana", "provider.akmola.culture", "gateway")] == [
        "portal",
        "provider",
        "gateway",
    ]


async def test_first_start_issues_a_key_per_system_owner_only(tmp_path: Path) -> None:
    with capture_logs() as entries:
        provisioned = await run(tmp_path, SimulatedClock(START))
    assert sorted(provisioned.issued) == sorted(KEYS)
    assert provisioned.reused == ()
    root = x509.load_pem_x509_certificate((tmp_path / "ca" / "root.crt.pem").read_bytes())
    assert x509.load_pem_x509_certificates(provisioned.trust_anchors.read_bytes()) == [root]
    for system_id in SYSTEMS:
        cert = certificate(provisioned, system_id)
        [cn] = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        assert cn.value == system_id
        assert ocsp_url(cert) == f"{REGISTRY}/ocsp"
    private = [*(tmp_path / "keys").rglob("*.p12"), *(tmp_path / "keys").rglob("password")]
    assert len(private) == len(KEYS) + len(provisioned.groups)
    for path in private:
        assert path.stat().st_mode & 0o777 == 0o600, path
    logged = repr(entries)
    assert "provisioning.issued" in logged  # the log is captured, so the check below means it
    for group in provisioned.groups.values():
        assert group.directory.stat().st_mode & 0o777 == 0o700
        assert group.password.get_secret_value() not in logged


async def test_operators_get_personal_keys_with_their_roles(tmp_path: Path) -> None:
    provisioned = await run(tmp_path, SimulatedClock(START))
    group = provisioned.group(OPERATORS_GROUP)
    password = group.password.get_secret_value()
    found = {}
    for operator in OPERATORS:
        opened = load_pkcs12(group.key_file(operator.key_name).read_bytes(), password=password)
        found[operator.key_name] = kinds_of(identity_of(opened.certificate))
    assert found == {
        "ra": {Kind.RA_OPERATOR, Kind.REGISTRAR, Kind.STAFF},
        "gateway-operator": {Kind.GATEWAY_OPERATOR, Kind.STAFF},
        "simulation-operator": {Kind.SIMULATION_OPERATOR, Kind.STAFF},
    }


async def test_a_system_with_a_valid_certificate_is_reissued_explicitly(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    first = await run(tmp_path, clock)
    (first.group("gateway").key_file("gateway")).unlink()
    await run(tmp_path, clock)
    store = SqliteEventStore(tmp_path / "registry.sqlite3", clock=clock)
    await store.open()
    try:
        issued = [
            e.data for e in await store.read_stream(CA_STREAM) if e.type == CERTIFICATE_ISSUED
        ]
    finally:
        await store.close()
    gateway = [d for d in issued if d["subject"] == "gateway"]
    assert [d.get("reissue", False) for d in gateway] == [False, True]


async def test_a_restart_reuses_the_keys(tmp_path: Path) -> None:
    first = await run(tmp_path, SimulatedClock(START))
    again = await run(tmp_path, SimulatedClock(START + timedelta(days=30)))
    assert again.issued == ()
    assert sorted(again.reused) == sorted(KEYS)
    assert serials(again) == serials(first)


async def test_a_revoked_certificate_is_issued_again(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    first = await run(tmp_path, clock)
    revoked = certificate(first, "provider.almaty.culture").serial_number
    store = SqliteEventStore(tmp_path / "registry.sqlite3", clock=clock)
    await store.open()
    try:
        ca = CaService(
            store, clock, tmp_path, urls=CaUrls(ocsp="http://x/ocsp", crl="http://x/crl")
        )
        await ca.start()
        await ca.revoke(revoked, x509.ReasonFlags.key_compromise)
    finally:
        await store.close()
    again = await run(tmp_path, clock)
    assert again.issued == ("provider.almaty.culture",)
    assert certificate(again, "provider.almaty.culture").serial_number != revoked


async def test_expired_certificates_are_issued_again(tmp_path: Path) -> None:
    first = await run(tmp_path, SimulatedClock(START))
    expiry = certificate(first, "gateway").not_valid_after_utc
    again = await run(tmp_path, SimulatedClock(expiry + timedelta(seconds=1)))
    assert sorted(again.issued) == sorted(KEYS)
    assert certificate(again, "gateway").not_valid_after_utc > expiry


async def test_another_registry_port_or_a_lost_password_means_new_certificates(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(START)
    first = await run(tmp_path, clock)
    moved = await run(tmp_path, clock, registry="http://127.0.0.1:28084")
    assert sorted(moved.issued) == sorted(KEYS)
    assert ocsp_url(certificate(moved, "portal")) == "http://127.0.0.1:28084/ocsp"
    (first.group("provider").directory / "password").unlink()
    lost = await run(tmp_path, clock, registry="http://127.0.0.1:28084")
    assert sorted(lost.issued) == sorted(s for s in SYSTEMS if key_group(s) == "provider")
    assert lost.group("provider").password != first.group("provider").password


def test_the_rules_copy_calls_the_registry_on_this_runs_port(tmp_path: Path) -> None:
    target = tmp_path / "gateway" / "rules.yaml"
    embedded_rules(DEFAULT_RULES, target, {"registry": "http://127.0.0.1:18084"})
    copy = parse_rules(target.read_text(encoding="utf-8"))
    source = parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"))
    assert copy.sync_services["registry.person"].url == "http://127.0.0.1:18084/persons/{iin}"
    assert copy.rules == source.rules
    assert copy.systems == source.systems
    written = target.stat().st_mtime_ns
    embedded_rules(DEFAULT_RULES, target, {"registry": "http://127.0.0.1:18084"})
    assert target.stat().st_mtime_ns == written  # unchanged: not rewritten


def test_a_rules_file_that_is_not_yaml_is_refused_by_name(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("systems: [unclosed", encoding="utf-8")
    with pytest.raises(ProvisioningError, match=str(bad)):
        embedded_rules(bad, tmp_path / "out.yaml", {})


def test_simulated_date_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(EmbeddedSettings).simulated_date == date(2019, 11, 4)
    monkeypatch.setenv("EGOV_SIMULATED_DATE", "2013-03-04")
    assert load_settings(EmbeddedSettings).simulated_date == date(2013, 3, 4)
    monkeypatch.setenv("EGOV_SIMULATED_DATE", "today")
    assert load_settings(EmbeddedSettings).simulated_date is None
    monkeypatch.setenv("EGOV_SIMULATED_DATE", "4 Nov")
    with pytest.raises(SettingsError, match="EGOV_SIMULATED_DATE"):
        load_settings(EmbeddedSettings)


async def test_services_get_the_keys_and_explicit_settings_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provisioned = await run(tmp_path, SimulatedClock(START))
    monkeypatch.setenv("EGOV_GATEWAY_PORT", "18082")
    monkeypatch.setenv("EGOV_ELICENSE_GATEWAY_URL", "http://gateway.example:9000")
    loaded: dict[type[ServiceSettings], ServiceSettings] = {
        cls: load_settings(cls, data_dir=tmp_path)
        for cls in (PortalSettings, GatewaySettings, ElicenseSettings, RegistrySettings,
                    ProviderSettings)
    }  # fmt: skip
    configured = configure(
        loaded, provisioned, rules_file=tmp_path / "rules.yaml", simulated_date=date(2019, 11, 4)
    )
    portal = configured[PortalSettings]
    assert isinstance(portal, PortalSettings)
    assert portal.key_file == provisioned.group("portal").key_file("portal")
    assert portal.psc_key_dir == provisioned.group("portal").directory
    assert portal.trust_anchors == provisioned.trust_anchors
    assert portal.gateway_url == "http://127.0.0.1:18082"
    assert portal.simulated_date == date(2019, 11, 4)
    provider = configured[ProviderSettings]
    assert isinstance(provider, ProviderSettings)
    assert provider.key_password == provisioned.group("provider").password
    assert provider.keys_dir == provisioned.group("provider").directory
    elicense = configured[ElicenseSettings]
    assert isinstance(elicense, ElicenseSettings)
    assert elicense.gateway_url == "http://gateway.example:9000"  # set explicitly: kept
    assert elicense.key_file == provisioned.group("elicense").key_file("elicense")
    gateway = configured[GatewaySettings]
    assert isinstance(gateway, GatewaySettings)
    assert gateway.rules_file == tmp_path / "rules.yaml"


async def test_an_incomplete_ca_stops_egov_run_before_any_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("EGOV_")]:
        monkeypatch.delenv(key)
    (tmp_path / "ca").mkdir()
    (tmp_path / "ca" / "root.key.pem").write_bytes(b"")  # the issuing CA's files are missing
    ready: list[object] = []
    with pytest.raises(StartupFailed, match=r"keys for the embedded topology: .*ca is incomplete"):
        await run_embedded(
            RuntimeSettings(data_dir=tmp_path),
            clock=SimulatedClock(START),
            on_ready=ready.append,
        )
    assert ready == []
    assert not (tmp_path / "keys").exists()


def test_the_certificates_name_the_registrys_public_url_when_one_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Unset: the registry's own address; set (a container published on the host's loopback):
    # that address, which the host's tools reach.
    own = load_settings(RegistrySettings, host="registry", port=8084)
    assert registry_public_url(own) == "http://registry:8084"
    monkeypatch.setenv("EGOV_REGISTRY_PUBLIC_URL", "http://127.0.0.1:8084/")
    public = load_settings(RegistrySettings, host="registry", port=8084)
    assert registry_public_url(public) == "http://127.0.0.1:8084"
    monkeypatch.setenv("EGOV_REGISTRY_PUBLIC_URL", "127.0.0.1:8084")
    with pytest.raises(SettingsError, match="EGOV_REGISTRY_PUBLIC_URL"):
        load_settings(RegistrySettings)
