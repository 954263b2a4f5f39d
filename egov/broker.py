"""One broker user per service, as :mod:`shared.bus.permissions` says (docs/security.md,
"Broker users"), put on a broker in one of two ways:

* **egov provision / egov up**: through RabbitMQ's management HTTP API (the
  ``rabbitmq_management`` plugin) at ``EGOV_AMQP_ADMIN``, with an administrator's credentials:
  the five users with their permissions and topic permissions, and the topology's exchanges
  (``shared.bus.permissions.EXCHANGES``), which a service may only use. Each service's
  password is made once, kept owner-only in ``<data dir>/keys/broker/<service>.password``, and
  its ``EGOV_AMQP_URL`` (in ``env/<service>.env``) carries its own user and password. Every
  call is idempotent: a second run sets the same users, passwords and permissions again.
* **deploy/compose.yaml**: a definitions file the broker loads at boot
  (:func:`definitions`, written by ``egov broker definitions``), with each user's password
  stored as RabbitMQ's salted SHA-256 hash.

``EGOV_AMQP_ADMIN`` unset means the management API on ``EGOV_AMQP_URL``'s host, port 15672,
with ``EGOV_AMQP_URL``'s user and password; ``none`` means no users are made and every service
connects as ``EGOV_AMQP_URL``'s user (no isolation between the services on the broker: every
one of them may then publish to any queue). Provisioning that cannot reach the management API
fails and says so; it never falls back to the shared user by itself.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx

from shared.bus.permissions import EXCHANGES, SERVICES, Grants, every_grant
from shared.logging import redact
from shared.private_files import write_private

ADMIN_OFF = "none"  # EGOV_AMQP_ADMIN=none: every service connects as EGOV_AMQP_URL's user
MANAGEMENT_PORT = 15672  # RabbitMQ's management plugin listens here by default
PASSWORD_DIR = Path("keys") / "broker"
PROVISION_JOURNAL = Path("bus") / "provision.declared"  # next to the services' journals
_PASSWORD_BYTES = 24
_TIMEOUT_S = 10.0
# How the exchanges are declared: as RabbitMqBus declares them (a difference would make a
# service's passive declaration fine and the gateway's own declaration fail).
EXCHANGE_SPEC: dict[str, Any] = {
    "type": "topic",
    "durable": True,
    "auto_delete": False,
    "internal": False,
    "arguments": {},
}
RABBITMQ_HASHING = "rabbit_password_hashing_sha256"


class BrokerError(RuntimeError):
    """The broker's users cannot be provisioned; the message says why (no password in it)."""


def resolve_admin(setting: str | None, amqp_url: str) -> str | None:
    """The management API to provision users through, from ``EGOV_AMQP_ADMIN``: None for
    ``none``; unset, the management API beside ``amqp_url`` (same host and credentials, port
    15672)."""
    if setting is not None and setting.strip():
        return None if setting.strip().lower() == ADMIN_OFF else setting.strip()
    parts = urlsplit(amqp_url)
    userinfo = parts.netloc.rpartition("@")[0]
    host = parts.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    netloc = f"{userinfo}@{host}:{MANAGEMENT_PORT}" if userinfo else f"{host}:{MANAGEMENT_PORT}"
    return urlunsplit(("http", netloc, "/", "", ""))


def vhost_of(amqp_url: str) -> str:
    """The virtual host an AMQP URL names (``/`` when its path is empty or ``/``)."""
    path = urlsplit(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def service_url(amqp_url: str, user: str, password: str) -> str:
    """``amqp_url`` (host, port, virtual host, options) with ``user`` and ``password``."""
    parts = urlsplit(amqp_url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def password_file(data_dir: Path, service: str) -> Path:
    return data_dir / PASSWORD_DIR / f"{service}.password"


def service_password(data_dir: Path, service: str) -> str:
    """``service``'s broker password, made at first use (owner-only file, directory 0700)."""
    path = password_file(data_dir, service)
    if path.exists():
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    password = secrets.token_urlsafe(_PASSWORD_BYTES)
    write_private(path, password.encode("ascii"), private_directory=True)
    return password


@dataclass(frozen=True)
class BrokerUsers:
    """Where ``egov provision`` puts the services' users: ``admin``, the management API's URL
    with an administrator's credentials; ``amqp_url``, the broker the services connect to
    (its host, port and virtual host; the credentials are replaced by each service's own);
    ``namespace``, the stack's bus namespace (users and names are prefixed with it)."""

    admin: str
    amqp_url: str
    namespace: str = ""

    @property
    def vhost(self) -> str:
        return vhost_of(self.amqp_url)


class ManagementApi:
    """The few calls of RabbitMQ's management HTTP API that provisioning makes."""

    def __init__(self, admin: str) -> None:
        parts = urlsplit(admin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BrokerError(
                f"EGOV_AMQP_ADMIN={redact(admin)}: the management API's http(s) URL, e.g. "
                f"http://admin:password@127.0.0.1:{MANAGEMENT_PORT}/, or '{ADMIN_OFF}'"
            )
        self.shown = str(redact(admin))
        netloc = parts.netloc.rpartition("@")[2]
        base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + "/api", "", ""))
        auth = (unquote(parts.username or ""), unquote(parts.password or ""))
        self._http = httpx.AsyncClient(base_url=base, auth=auth, timeout=_TIMEOUT_S)

    async def __aenter__(self) -> ManagementApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def check_administrator(self) -> None:
        whoami = await self._call("GET", "/whoami")
        tags = whoami.json().get("tags", [])
        tags = tags.split(",") if isinstance(tags, str) else tags
        if "administrator" not in tags:
            raise BrokerError(
                f"the management API at {self.shown} answers, but its user is no "
                "administrator: it cannot create users"
            )

    async def put_exchange(self, vhost: str, name: str) -> None:
        await self._call("PUT", f"/exchanges/{_q(vhost)}/{_q(name)}", EXCHANGE_SPEC)

    async def put_user(self, user: str, password: str) -> None:
        await self._call("PUT", f"/users/{_q(user)}", {"password": password, "tags": ""})

    async def put_grants(self, vhost: str, grants: Grants) -> None:
        await self._call(
            "PUT",
            f"/permissions/{_q(vhost)}/{_q(grants.user)}",
            {"configure": grants.configure, "write": grants.write, "read": grants.read},
        )
        for topic in grants.topics:
            await self._call(
                "PUT",
                f"/topic-permissions/{_q(vhost)}/{_q(grants.user)}",
                {"exchange": topic.exchange, "write": topic.write, "read": topic.read},
            )

    async def delete_user(self, user: str) -> None:
        await self._call("DELETE", f"/users/{_q(user)}", missing_ok=True)

    async def _call(
        self, method: str, path: str, body: Any = None, *, missing_ok: bool = False
    ) -> httpx.Response:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise BrokerError(
                f"RabbitMQ's management API at {self.shown} does not answer "
                f"({type(exc).__name__}: {redact(str(exc)) or 'no detail'})"
            ) from None
        if response.status_code == 404 and missing_ok:
            return response
        if response.status_code == 401:
            raise BrokerError(f"RabbitMQ's management API at {self.shown} refused the login")
        if response.status_code >= 400:
            raise BrokerError(
                f"RabbitMQ's management API at {self.shown}: {method} {path} answered "
                f"{response.status_code} {redact(response.text[:300])}"
            )
        return response


def _q(segment: str) -> str:
    return quote(segment, safe="")


async def provision_users(data_dir: Path, users: BrokerUsers) -> dict[str, str]:
    """Declare the topology's exchanges and put every service's user, password and permissions
    on the broker; returns each service's ``EGOV_AMQP_URL``. Raises :class:`BrokerError`,
    whose message says how to run without per-service users."""
    try:
        return await _provision(data_dir, users)
    except BrokerError as exc:
        raise BrokerError(
            f"cannot provision one broker user per service: {exc}. Per-service users need "
            "RabbitMQ's management plugin (rabbitmq_management): set EGOV_AMQP_ADMIN to its "
            "URL with an administrator's credentials, or EGOV_AMQP_ADMIN=none to run every "
            "service as EGOV_AMQP_URL's user, which lets any service publish to any queue "
            "(docs/security.md, 'Broker users')"
        ) from None


async def _provision(data_dir: Path, users: BrokerUsers) -> dict[str, str]:
    vhost = users.vhost
    urls: dict[str, str] = {}
    async with ManagementApi(users.admin) as api:
        await api.check_administrator()
        names = [users.namespace + name for name in EXCHANGES]
        if users.namespace:
            # Listed before they exist, as the services list theirs: a namespace's names can
            # then be deleted afterwards (egov.stack.drop_namespace) whatever happened.
            _journal(data_dir, names)
        for name in names:
            await api.put_exchange(vhost, name)
        for grants in every_grant(users.namespace):
            password = service_password(data_dir, grants.service)
            await api.put_user(grants.user, password)
            await api.put_grants(vhost, grants)
            urls[grants.service] = service_url(users.amqp_url, grants.user, password)
    return urls


async def delete_users(admin: str, namespace: str) -> None:
    """Delete the namespace's service users (and with them their permissions)."""
    async with ManagementApi(admin) as api:
        for grants in every_grant(namespace):
            await api.delete_user(grants.user)


def _journal(data_dir: Path, names: list[str]) -> None:
    path = data_dir / PROVISION_JOURNAL
    path.parent.mkdir(parents=True, exist_ok=True)
    known = set(path.read_text(encoding="utf-8").splitlines()) if path.exists() else set()
    lines = [f"exchange {n}" for n in names if f"exchange {n}" not in known]
    if lines:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{line}\n" for line in lines))


# --- the definitions file of deploy/compose.yaml --------------------------------------------

ADMIN_USER = "egov"  # the operators' user of the compose broker (management UI, egov subscribe)
# Interpolation variables of deploy/compose.yaml and their laptop defaults.
PASSWORD_VARIABLES: dict[str, tuple[str, str]] = {
    ADMIN_USER: ("BROKER_ADMIN_PASSWORD", "egov-dev"),
    **{s: (f"BROKER_{s.upper()}_PASSWORD", f"{s}-dev") for s in SERVICES},
}


def rabbit_password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + SHA-256(salt + password))
    with a 4-byte salt."""
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def password_matches(stored: str, password: str) -> bool:
    raw = base64.b64decode(stored)
    return rabbit_password_hash(password, raw[:4]) == stored


def definitions(
    passwords: Mapping[str, str], previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The compose broker's definitions: the operators' administrator ``egov`` and one user
    per service with :mod:`shared.bus.permissions`' grants (no namespace), and the topology's
    exchanges. ``passwords``: user -> password. A user whose hash in ``previous`` (the file as
    it is) matches its password keeps that hash, so the file changes only with a password."""
    kept = {u["name"]: u["password_hash"] for u in (previous or {}).get("users", [])}

    def hashed(user: str) -> str:
        old = kept.get(user)
        password = passwords[user]
        return old if old and password_matches(old, password) else rabbit_password_hash(password)

    grants = every_grant()
    users = [
        {
            "name": ADMIN_USER,
            "password_hash": hashed(ADMIN_USER),
            "hashing_algorithm": RABBITMQ_HASHING,
            "tags": ["administrator"],
            "limits": {},
        },
        *(
            {
                "name": g.user,
                "password_hash": hashed(g.user),
                "hashing_algorithm": RABBITMQ_HASHING,
                "tags": [],
                "limits": {},
            }
            for g in grants
        ),
    ]
    return {
        "rabbitmq_version": "3.13.7",
        "users": users,
        "vhosts": [{"name": "/"}],
        "permissions": [
            {"user": ADMIN_USER, "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"},
            *(
                {
                    "user": g.user,
                    "vhost": "/",
                    "configure": g.configure,
                    "write": g.write,
                    "read": g.read,
                }
                for g in grants
            ),
        ],
        "topic_permissions": [
            {"user": g.user, "vhost": "/", "exchange": t.exchange, "write": t.write, "read": t.read}
            for g in grants
            for t in g.topics
        ],
        "parameters": [],
        "global_parameters": [],
        "policies": [],
        "queues": [],
        "exchanges": [{"name": name, "vhost": "/", **EXCHANGE_SPEC} for name in EXCHANGES],
        "bindings": [],
    }
