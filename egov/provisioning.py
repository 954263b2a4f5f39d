"""Keys and trust for the topology (``egov run`` in one process, ``egov provision`` for separate
ones): every information system the gateway's rules name gets a certificate from the simulated
НУЦ that registry_svc serves, so the five services can sign, verify and reach each other
without any manual ``egov pki`` step.

Layout under ``<data dir>``::

    ca/                      the НУЦ's own keys (registry_svc's keystore, created at first use)
    keys/trust-anchors.pem   the НУЦ root, every service's trust anchor
    keys/<group>/password    random password of the group's key files (0600, never logged)
    keys/<group>/<id>.p12    one PKCS#12 key file per system (0600)
    keys/operators/<role>.p12  the operators' personal keys (ra, gateway-operator,
                             simulation-operator), for the tools: shared.authz's roles
    keys/broker/<service>.password  (egov provision with per-service broker users,
                             egov.broker) the service's RabbitMQ password (0600)
    gateway/rules.yaml       the gateway's rules, sync URLs on this topology's ports
    env/<service>.env        (egov provision) the EGOV_* variables each service process needs:
                             key file, password FILE (never the key's password), addresses,
                             stores, the broker URL with the service's own user

A group is what one service opens with one password: the portal opens its own key and the PSC
desks' keys with ``EGOV_PORTAL_KEY_PASSWORD``, the provider all its workstations' keys with
``EGOV_PROVIDER_KEY_PASSWORD``. Provisioning is idempotent: a key file whose certificate is
still good is reused; one that is missing, unreadable, expired, revoked, issued by another CA
or naming another OCSP responder is issued again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import AuthorityInformationAccessOID
from pydantic import SecretStr

from egov.broker import BrokerError, BrokerUsers, provision_users
from elicense_svc.components import load_directory
from elicense_svc.domain.directory import Directory
from elicense_svc.domain.errors import ElicenseError
from elicense_svc.domain.staff import STAFF_STREAM
from elicense_svc.settings import ElicenseSettings
from elicense_svc.staff import StaffRoster, staff_roles
from gateway_svc.rules import PROVIDER_PREFIX, RulesFile, parse_rules
from gateway_svc.settings import GatewaySettings
from registry_svc.ca_service import CaService
from registry_svc.settings import RegistrySettings
from regulations import definitions_dir
from shared.clock import Clock
from shared.config import ServiceSettings, env_var
from shared.eventlog.factory import open_event_store
from shared.ids import Gender, IdError, make_bin, make_iin
from shared.logging import get_logger
from shared.pki import oids
from shared.pki.ca import CaUrls
from shared.pki.certinfo import identity_of
from shared.pki.pkcs12 import KeyFileError, load_pkcs12
from shared.pki.profiles import (
    EntityRole,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
    simulator_operator,
)
from shared.private_files import write_private as write_private_file
from shared.regulation.catalog import Catalog
from shared.simclock import business_clock

GATEWAY_ID = "gateway"  # signs sync calls and its own answers; not a sender in the rules
PSC_PREFIX = "psc"
KEYS_DIR = "keys"
TRUST_ANCHORS = "trust-anchors.pem"
PASSWORD_FILE = "password"  # noqa: S105 - the name of the file, not a password
_PASSWORD_BYTES = 24


class ProvisioningError(RuntimeError):
    """The data directory cannot be provisioned; the message says which file and why."""


def system_ids(rules: RulesFile) -> tuple[str, ...]:
    """Every system that needs a key: those the rules name, and the gateway itself."""
    return tuple(sorted({*rules.systems, GATEWAY_ID}))


def key_group(system_id: str) -> str:
    """The service that holds ``system_id``'s key (and opens it with its one password)."""
    head = system_id.split(".", 1)[0]
    if head == PSC_PREFIX:
        return "portal"  # the PSC desks run inside the portal (004 p.7)
    if head == PROVIDER_PREFIX:
        return "provider"
    return system_id


@dataclass(frozen=True)
class KeyGroup:
    directory: Path
    password: SecretStr

    def key_file(self, system_id: str) -> Path:
        return self.directory / f"{system_id}.p12"


@dataclass(frozen=True)
class Provisioned:
    trust_anchors: Path
    groups: Mapping[str, KeyGroup]
    issued: tuple[str, ...]  # systems (and staff keys) given a new certificate by this run
    reused: tuple[str, ...]
    staff: tuple[StaffKey, ...] = ()  # E-licensing's staff, keys in group STAFF_GROUP
    operators: tuple[OperatorKey, ...] = ()  # the tools' operators, keys in OPERATORS_GROUP

    def group(self, name: str) -> KeyGroup:
        try:
            return self.groups[name]
        except KeyError:
            raise ProvisioningError(f"no keys were provisioned for {name!r}") from None


def ca_urls(registry_url: str) -> CaUrls:
    """Where certificates send relying parties for revocation: the embedded registry, as
    registry_svc's own composition root names it."""
    base = registry_url.rstrip("/")
    return CaUrls.under(base)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` owner-only (0600 from its creation, atomically, never through a symbolic
    link: :func:`shared.private_files.write_private`) in a directory made 0700."""
    write_private_file(path, data, private_directory=True)


def _group_password(directory: Path) -> tuple[SecretStr, bool]:
    """The group's password, made at first use; True when it is new (old key files, if any,
    cannot be opened with it and are issued again)."""
    path = directory / PASSWORD_FILE
    if path.exists():
        text = path.read_text(encoding="ascii").strip()
        if text:
            return SecretStr(text), False
    password = secrets.token_urlsafe(_PASSWORD_BYTES)
    write_private(path, password.encode("ascii"))
    return SecretStr(password), True


def _ocsp_url(
    certificate: x509.Certificate,
    method: x509.ObjectIdentifier = AuthorityInformationAccessOID.OCSP,
) -> str | None:
    try:
        access = certificate.extensions.get_extension_for_class(
            x509.AuthorityInformationAccess
        ).value
    except x509.ExtensionNotFound:
        return None
    for description in access:
        if description.access_method == method:
            return str(description.access_location.value)
    return None


def stale_reason(
    path: Path, password: SecretStr, ca: CaService, *, urls: CaUrls, now: datetime
) -> str | None:
    """Why the key file at ``path`` must be issued again, or None if it can be reused."""
    if not path.exists():
        return "missing"
    try:
        opened = load_pkcs12(path.read_bytes(), password=password.get_secret_value())
    except KeyFileError:
        return "unreadable with the group's password"
    certificate = opened.certificate
    serial = certificate.serial_number
    issuing = ca.keys.issuing.certificate
    if certificate.issuer != issuing.subject or serial not in ca.state.issued:
        return "issued by another CA"
    if serial in ca.state.revoked:
        return "revoked"
    if certificate.not_valid_after_utc <= now:
        return "expired"
    if _ocsp_url(certificate) != urls.ocsp:
        return "names another OCSP responder (the registry's port changed)"
    if _ocsp_url(certificate, AuthorityInformationAccessOID.CA_ISSUERS) != urls.issuing_certificate:
        # Certificates from before the profile named the issuing CA's certificate (and carried
        # the policy and holder OIDs of today's profile) are issued again.
        return "issued under an older certificate profile"
    return None


async def provision(
    data_dir: Path,
    *,
    registry_store_url: str,
    registry_url: str,
    systems: Iterable[str],
    clock: Clock,
    staff: Sequence[StaffKey] = (),
    operators: Sequence[OperatorKey] | None = None,
) -> Provisioned:
    """Make sure every system in ``systems`` has a good key file under ``data_dir/keys``, and
    every staff member in ``staff`` (:func:`elicense_staff`) theirs, issuing through
    registry_svc's CA on its own event log (so the running registry serves OCSP and CRL for
    these certificates). Call before the registry starts: SQLite allows one writer at a time,
    and the CA's stream version guards concurrent issuers anyway. ``operators`` (default
    :data:`OPERATORS`) get their personal keys under ``keys/operators``."""
    operators = OPERATORS if operators is None else tuple(operators)
    log = get_logger("egov.provisioning")
    urls = ca_urls(registry_url)
    keys_dir = data_dir / KEYS_DIR
    store = await open_event_store(registry_store_url, clock=clock)
    try:
        ca = CaService(store, clock, data_dir, urls=urls)
        await ca.start()  # creates the CA under data_dir/ca at first use, as registry_svc does
        groups: dict[str, KeyGroup] = {}
        issued: list[str] = []
        reused: list[str] = []

        def group_of(name: str) -> KeyGroup:
            # One directory and one password file per group, opened once.
            if name not in groups:
                directory = keys_dir / name
                groups[name] = KeyGroup(directory, _group_password(directory)[0])
            return groups[name]

        for system_id in sorted(set(systems)):
            group = group_of(key_group(system_id))
            path = group.key_file(system_id)
            reason = stale_reason(path, group.password, ca, urls=urls, now=clock.now())
            if reason is None:
                reused.append(system_id)
                continue
            # A system's key is handed out again only as an explicit re-issue (recorded in the
            # CA's event) while its old certificate is still valid.
            key_file = await ca.issue(
                InformationSystem(system_id),
                KeyPurpose.SIGNING,
                password=group.password.get_secret_value(),
                reissue=ca.valid_system_certificate(system_id, KeyPurpose.SIGNING) is not None,
                requested_by="egov-provision",
            )
            write_private(path, key_file.pkcs12)
            issued.append(system_id)
            log.info(
                "provisioning.issued", system=system_id, serial=f"{key_file.serial:x}", why=reason
            )
        for post in staff:
            group = group_of(STAFF_GROUP)
            path = group.key_file(post.key_name)
            reason = stale_reason(path, group.password, ca, urls=urls, now=clock.now())
            if reason is None and _holder_of(path, group.password) != (post.iin, post.bin):
                reason = "names another person or legal entity (the directory changed)"
            if reason is None:
                reused.append(post.key_name)
                continue
            key_file = await ca.issue(
                post.holder(), KeyPurpose.SIGNING, password=group.password.get_secret_value()
            )
            write_private(path, key_file.pkcs12)
            issued.append(post.key_name)
            log.info(
                "provisioning.issued",
                staff=post.key_name,
                serial=f"{key_file.serial:x}",
                why=reason,
            )
        for operator in operators:
            group = group_of(OPERATORS_GROUP)
            path = group.key_file(operator.key_name)
            reason = stale_reason(path, group.password, ca, urls=urls, now=clock.now())
            if reason is None and not operator.matches(path, group.password):
                reason = "names another person or other roles"
            if reason is None:
                reused.append(operator.key_name)
                continue
            key_file = await ca.issue(
                operator.holder(),
                KeyPurpose.SIGNING,
                password=group.password.get_secret_value(),
                requested_by="egov-provision",
            )
            write_private(path, key_file.pkcs12)
            issued.append(operator.key_name)
            log.info(
                "provisioning.issued",
                operator=operator.key_name,
                serial=f"{key_file.serial:x}",
                why=reason,
            )
        anchors = keys_dir / TRUST_ANCHORS
        root_pem = ca.trust_anchor.public_bytes(serialization.Encoding.PEM)
        if not anchors.exists() or anchors.read_bytes() != root_pem:
            anchors.parent.mkdir(parents=True, exist_ok=True)
            anchors.write_bytes(root_pem)  # a public certificate: no need to hide it
    finally:
        await store.close()
    log.info("provisioning.done", issued=len(issued), reused=len(reused), keys=str(keys_dir))
    return Provisioned(
        anchors, groups, tuple(issued), tuple(reused), tuple(staff), tuple(operators)
    )


# --- the operators the tools sign as (shared.authz's roles) ---------------------------------

OPERATORS_GROUP = "operators"  # keys/operators/<key name>.p12, one password


@dataclass(frozen=True)
class OperatorKey:
    """A person employed by the simulator's operator with operator roles (``oids.ROLE_*``),
    whose key the tools sign with: ``egov pki``-style issuing and revoking over HTTP, the
    registries' registrations, the gateway's operator routes, the simulated clock."""

    key_name: str
    iin: str
    surname: str
    given_name: str
    roles: tuple[x509.ObjectIdentifier, ...]

    def holder(self) -> LegalEntitySigner:
        return simulator_operator(Individual(self.iin, self.surname, self.given_name), self.roles)

    def matches(self, path: Path, password: SecretStr) -> bool:
        opened = load_pkcs12(path.read_bytes(), password=password.get_secret_value())
        identity = identity_of(opened.certificate)
        wanted = {role.dotted_string for role in self.roles}
        return identity.iin == self.iin and wanted <= identity.oids


# Fixed IINs (born 1970-01-01, serials 10, 20 and 30: valid check digits), so a restart finds
# the same people. The RA's operator is also a registrar: whoever registers a person at the НУЦ
# puts them in ГБД ФЛ first, and the tools do both with one key.
OPERATORS: tuple[OperatorKey, ...] = (
    OperatorKey(
        "ra",
        "700101300104",
        "Tirkeushi",
        "Ortalyq",
        (oids.ROLE_RA_OPERATOR, oids.ROLE_REGISTRAR),
    ),
    OperatorKey(
        "gateway-operator", "700101300203", "Shlyuz", "Operator", (oids.ROLE_GATEWAY_OPERATOR,)
    ),
    OperatorKey(
        "simulation-operator",
        "700101300302",
        "Simulyatsiya",
        "Operator",
        (oids.ROLE_SIMULATION_OPERATOR,),
    ),
)


# --- E-licensing's staff --------------------------------------------------------------------

STAFF_GROUP = "elicense-staff"  # keys/elicense-staff/<provider>.<role>.p12, one password
# Personal certificates of the staff name a legal entity (the provider's BIN): a provider
# without a BIN in E-licensing's directory gets this one, registered the day the directory's
# providers were (any BIN passes there; a provider with a BIN needs its own, WRONG_BIN).
_STAFF_BIN_REGISTERED = date(2019, 3, 1)


@dataclass(frozen=True)
class StaffKey:
    """One E-licensing staff member provisioned for a role of a provider: who, and their key."""

    provider: str
    role: str
    iin: str
    name: str
    bin: str
    organization: str

    @property
    def key_name(self) -> str:
        return f"{self.provider}.{self.role}"

    def holder(self) -> LegalEntitySigner:
        surname, given = self.name.split(" ", 1)
        person = Individual(self.iin, surname, given)
        return LegalEntitySigner(person, self.bin, self.organization, EntityRole.EMPLOYEE)


def elicense_staff(directory: Directory, catalog: Catalog) -> tuple[StaffKey, ...]:
    """One staff member per provider of E-licensing's ``directory`` and per human role of the
    definitions it provides through E-licensing (000: office clerk, executor, head; 003: the
    provider's employee), so that every step of a fresh topology has someone to do it. The
    IINs are fixed by the provider's and role's places, so a restart finds the same people."""
    posts: list[StaffKey] = []
    roles = staff_roles(directory, catalog)
    for p_index, provider in enumerate(sorted(directory.providers, key=lambda p: p.id)):
        bin_ = provider.bin or _valid_id(
            lambda serial: make_bin(_STAFF_BIN_REGISTERED, serial=serial), 40_000 + p_index * 10
        )
        department = provider.id.split(".", 1)[1].replace(".", " ").title()
        for r_index, role in enumerate(sorted(roles[provider.id])):
            born = date(1980 + p_index, 1 + r_index % 12, 10)
            iin = _valid_id(partial(_person_iin, born), 700)
            title = role.replace("_", " ").title().replace(" ", "")
            posts.append(
                StaffKey(
                    provider.id,
                    role,
                    iin,
                    f"{title} {department.replace(' ', '')}",
                    bin_,
                    f"{department} ({provider.id})",
                )
            )
    return tuple(posts)


def _person_iin(born: date, serial: int) -> str:
    return make_iin(born, Gender.FEMALE, serial)


def _valid_id(make: Callable[[int], str], serial: int) -> str:
    # A few serials have no check digit (NEVER_ISSUED): take the next one.
    for candidate in range(serial, serial + 20):
        try:
            return make(candidate)
        except IdError:
            continue
    raise ProvisioningError(f"no valid identifier near serial {serial}")


def _holder_of(path: Path, password: SecretStr) -> tuple[str | None, str | None]:
    """The IIN and BIN a key file's certificate names."""
    opened = load_pkcs12(path.read_bytes(), password=password.get_secret_value())
    identity = identity_of(opened.certificate)
    return identity.iin, identity.bin


async def appoint_elicense_staff(
    event_store_url: str,
    directory: Directory,
    catalog: Catalog,
    staff: Sequence[StaffKey],
    *,
    clock: Clock,
) -> int:
    """Put every member of ``staff`` on E-licensing's roster (its event log at
    ``event_store_url``) unless the roster already knows them; the number appointed. The
    log's records are stamped with ``clock``, E-licensing's business clock."""
    store = await open_event_store(event_store_url, clock=clock)
    try:
        roster = StaffRoster(store, directory, catalog)
        # Each provisioned person is appointed once: one an operator dismissed (or appointed
        # in other roles) since stays as the operator left them, across restarts.
        known = {str(e.data["iin"]) for e in await store.read_stream(STAFF_STREAM)}
        appointed = 0
        for post in staff:
            if post.iin in known:
                continue
            await roster.appoint(
                post.provider, iin=post.iin, name=post.name, roles=[post.role], by="egov-provision"
            )
            appointed += 1
    finally:
        await store.close()
    return appointed


def staff_lines(provisioned: Provisioned) -> list[str]:
    """What the start-up output says about E-licensing's staff: who, in which role, and the
    key file to sign their calls with (its password is in the group's password file)."""
    if not provisioned.staff:
        return []
    group = provisioned.group(STAFF_GROUP)
    lines = [
        "E-licensing staff (sign their calls with these key files; password in "
        f"{group.directory / PASSWORD_FILE}):"
    ]
    for post in provisioned.staff:
        lines.append(
            f"  {post.provider:<24}  {post.role:<18}  IIN {post.iin}  "
            f"{group.key_file(post.key_name)}"
        )
    return lines


def embedded_rules(source: Path, target: Path, addresses: Mapping[str, str]) -> Path:
    """A copy of the gateway's rules whose synchronous services call the systems at the
    addresses of this run (``addresses``: system id -> base URL): the shipped rules name the
    default ports, which a run on other ports would miss. Written only when it changes."""
    try:
        raw: Any = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProvisioningError(f"cannot read the gateway's rules {source}: {exc}") from exc
    parse_rules(yaml.safe_dump(raw), source=str(source))  # refuse a bad file before rewriting it
    for service in (raw.get("sync_services") or {}).values():
        base = addresses.get(service["provider"])
        if base is None:
            continue
        parts = urlsplit(service["url"])
        target_base = urlsplit(base)
        service["url"] = parts._replace(
            scheme=target_base.scheme, netloc=target_base.netloc
        ).geturl()
    header = (
        f"# Generated by egov run / egov provision from {source}: sync URLs point at this "
        "topology's ports.\n"
        "# Edit the source (or set EGOV_GATEWAY_RULES_FILE), not this copy.\n"
    )
    text = header + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    parse_rules(text, source=str(target))
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return target


# --- separate processes (egov provision, egov up, the compose file) -------------------------

ENV_DIR = "env"
RULES_COPY = Path("gateway") / "rules.yaml"
# The services whose business runs on the simulated day (their own ``simulated_date``).
SIMULATED_DAY_SERVICES = frozenset({"portal", "elicense", "provider"})


def address(settings: ServiceSettings) -> str:
    """Where the other services reach this one: a wildcard bind is reached on loopback."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)  # noqa: S104
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"


def registry_public_url(settings: ServiceSettings) -> str:
    """The registry as it names itself in the certificates it issues (OCSP, CRL): as
    registry_svc's composition root does (EGOV_REGISTRY_PUBLIC_URL, else its own address)."""
    if isinstance(settings, RegistrySettings):
        return settings.published_url()
    return f"http://{settings.host}:{settings.port}"


@dataclass(frozen=True)
class ProcessTopology:
    """The topology ``egov provision`` prepares: each service's settings (read from the
    environment, keyed by service name) and the day the business runs on."""

    data_dir: Path
    settings: Mapping[str, ServiceSettings]
    simulated_date: date | None
    # One broker user per service (egov.broker), or None: each service gets EGOV_AMQP_URL as
    # the environment gave it.
    broker: BrokerUsers | None = None

    def of(self, service: str) -> ServiceSettings:
        try:
            return self.settings[service]
        except KeyError:
            raise ProvisioningError(f"no settings for the service {service!r}") from None


@dataclass(frozen=True)
class ProvisionedProcesses:
    keys: Provisioned
    rules_file: Path
    env_files: Mapping[str, Path]  # service -> <data dir>/env/<service>.env
    # What each file holds: no key password; EGOV_AMQP_URL may hold the service's broker
    # password, and a store URL a database password (the files are 0600).
    environments: Mapping[str, Mapping[str, str]]


def env_file(data_dir: Path, service: str) -> Path:
    return data_dir / ENV_DIR / f"{service}.env"


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of an env file written by :func:`provision_processes` (``NAME=value``
    lines, as ``docker run --env-file`` reads them)."""
    env: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise ProvisioningError(f"{path}: not a NAME=value line: {line[:40]!r}")
        env[name] = value
    return env


def _env_text(service: str, env: Mapping[str, str]) -> str:
    for name, value in env.items():
        if "\n" in value or "\r" in value:
            raise ProvisioningError(f"{name} for {service} holds a line break: {value[:40]!r}")
    header = (
        f"# Generated by egov provision: what `egov serve {service}` needs here.\n"
        "# Key passwords are in the files named by *_PASSWORD_FILE, never in this file;\n"
        "# EGOV_AMQP_URL carries the service's own broker password (this file is owner-only).\n"
    )
    return header + "".join(f"{name}={value}\n" for name, value in env.items())


def _service_env(
    topology: ProcessTopology,
    service: str,
    keys: Provisioned,
    rules_file: Path,
    amqp_url: str | None = None,
) -> dict[str, str]:
    """The EGOV_* variables of one service process. What provisioning decides (keys,
    addresses) yields to what the environment set explicitly for that service, as in
    ``egov run``."""
    settings = topology.of(service)
    cls = type(settings)
    gateway_url = address(topology.of("gateway"))
    data_dir = topology.data_dir.resolve()

    # Field -> value; a field the environment set explicitly keeps its own value.
    fields: dict[str, Any] = {
        "port": settings.port,
        "event_store_url": settings.resolved_event_store_url(),
    }
    own_key = {
        "portal": "portal",
        "gateway": "gateway",
        "elicense": "elicense",
        "registry": "registry",
    }
    if service in own_key:
        fields["key_file"] = keys.group(service).key_file(own_key[service])
    if service == "provider":
        fields["keys_dir"] = keys.group("provider").directory
    fields["key_password_file"] = keys.group(service).directory / PASSWORD_FILE
    if service != "registry":
        fields["trust_anchors"] = keys.trust_anchors
    if service in ("portal", "elicense", "provider"):
        fields["gateway_url"] = gateway_url
    if service == "portal":
        fields["psc_key_dir"] = keys.group("portal").directory
        fields["public_url"] = address(settings)
        fields["attachments_dir"] = data_dir / "portal" / "attachments"
    if service == "gateway":
        fields["rules_file"] = rules_file
    if service in SIMULATED_DAY_SERVICES and topology.simulated_date is not None:
        fields["simulated_date"] = topology.simulated_date
    given = settings.model_fields_set
    if "key_password" in given or "key_password_file" in given:
        fields.pop("key_password_file")  # the operator's own password (and key) stand
    env: dict[str, str] = {
        "EGOV_DATA_DIR": str(data_dir),
        "EGOV_HOST": settings.host,
    }
    amqp_url = amqp_url or settings.amqp_url  # the service's own broker user, when it has one
    if amqp_url:
        env["EGOV_AMQP_URL"] = amqp_url
    if settings.bus_namespace:
        env["EGOV_BUS_NAMESPACE"] = settings.bus_namespace
    if settings.simulation_control:
        env["EGOV_SIMULATION_CONTROL"] = "true"
    if settings.simulation_clock_file is not None:
        env["EGOV_SIMULATION_CLOCK_FILE"] = str(settings.simulation_clock_file.resolve())
    if settings.environment.value != "development":
        env["EGOV_ENVIRONMENT"] = settings.environment.value
    for name, value in fields.items():
        chosen = getattr(settings, name) if name in given else value
        if chosen is None:
            continue
        env[env_var(cls, name)] = str(chosen.resolve() if isinstance(chosen, Path) else chosen)
    return env


async def provision_processes(topology: ProcessTopology, *, clock: Clock) -> ProvisionedProcesses:
    """Keys for every system, the rules copy on this topology's ports, the broker's users when
    ``topology.broker`` says where, and one env file per service (0600: it may hold a database
    or broker password in a URL; key passwords stay in their own files). Idempotent: nothing
    is rewritten that has not changed."""
    amqp_urls: dict[str, str] = {}
    if topology.broker is not None:
        # First: a broker that cannot take the users fails the run before any key is issued.
        try:
            amqp_urls = await provision_users(topology.data_dir, topology.broker)
        except BrokerError as exc:
            raise ProvisioningError(str(exc)) from None
    registry = topology.of("registry")
    gateway = topology.of("gateway")
    if not isinstance(gateway, GatewaySettings):
        raise ProvisioningError(f"gateway settings expected, got {type(gateway).__name__}")
    source_rules = gateway.resolved_rules_file()
    addresses = {"registry": address(registry), "elicense": address(topology.of("elicense"))}
    rules_target = topology.data_dir / RULES_COPY
    try:
        rules = parse_rules(source_rules.read_text(encoding="utf-8"), source=str(source_rules))
    except OSError as exc:
        raise ProvisioningError(f"cannot read the gateway's rules {source_rules}: {exc}") from exc
    rules_file = embedded_rules(source_rules, rules_target, addresses)
    elicense = topology.of("elicense")
    if not isinstance(elicense, ElicenseSettings):
        raise ProvisioningError(f"elicense settings expected, got {type(elicense).__name__}")
    try:
        directory = load_directory(elicense)
    except (OSError, yaml.YAMLError, ElicenseError) as exc:
        raise ProvisioningError(f"E-licensing's directory: {exc}") from exc
    catalog = Catalog.from_directory(definitions_dir())
    staff = elicense_staff(directory, catalog)
    keys = await provision(
        topology.data_dir,
        registry_store_url=registry.resolved_event_store_url(),
        registry_url=registry_public_url(registry),
        systems=system_ids(rules),
        clock=clock,
        staff=staff,
    )
    # Stamped on E-licensing's day; no clock file: egov up begins the day when it starts.
    today = business_clock(clock, topology.simulated_date, control=False)
    await appoint_elicense_staff(
        elicense.resolved_event_store_url(), directory, catalog, staff, clock=today
    )
    env_files: dict[str, Path] = {}
    environments: dict[str, Mapping[str, str]] = {}
    for service in topology.settings:
        env = _service_env(topology, service, keys, rules_file, amqp_urls.get(service))
        path = env_file(topology.data_dir, service)
        text = _env_text(service, env)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_private(path, text.encode("utf-8"))
        env_files[service] = path
        environments[service] = env
    return ProvisionedProcesses(keys, rules_file, env_files, environments)
