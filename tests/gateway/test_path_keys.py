"""Every client that puts an IIN or BIN into a registry path checks its shape before any call:
``..`` would be a path step (``/persons/..`` is the registry's ``/``). The gateway's sync channel
refuses it too (tests/gateway/test_http.py, ``test_signed_request_refusals``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from elicense_svc.gateway_lookup import GatewayRegistryLookup
from gateway_svc.errors import Rejected
from gateway_svc.rules import SyncService
from gateway_svc.sync import _target
from portal_svc.errors import InvalidInput
from portal_svc.registry_lookup import GatewayPersonLookup
from provider_svc.lookup import GatewayPersonLookup as ProviderLookup
from shared.ids import IdError, path_key

BAD = ["..", ".", "../admin", "9001013001", "90010130012a", "", "%2e%2e"]


class _NoSigner:
    def sign(self, payload: bytes) -> str:
        raise AssertionError("nothing is signed for a key that is refused first")


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"called {request.url} with a bad key")


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(_never), base_url="http://gw")


@pytest.mark.parametrize("key", BAD)
def test_path_key_takes_only_twelve_digits(key: str) -> None:
    with pytest.raises(IdError):
        path_key(key)
    assert path_key("900101300126") == "900101300126"


@pytest.mark.parametrize("key", BAD)
def test_the_gateway_fills_a_registry_path_only_with_an_id(key: str) -> None:
    service = SyncService(
        provider="registry",
        method="GET",
        url="http://registry.test/persons/{iin}",
        answer="record",
        clients=("elicense",),
    )
    with pytest.raises(Rejected):
        _target(service, {"iin": key})


@pytest.mark.parametrize("key", BAD)
async def test_the_service_clients_refuse_a_bad_key_before_calling(key: str) -> None:
    signer: Any = _NoSigner()
    async with _client() as http:
        with pytest.raises(InvalidInput):
            await GatewayPersonLookup(http, signer).person(key)
        with pytest.raises(IdError):
            await GatewayRegistryLookup(http, signer).lookup("registry.person", key)
        with pytest.raises(IdError):
            await ProviderLookup(http, "http://gw", lambda _: signer).person(
                key, workstation="provider.almaty.culture"
            )
