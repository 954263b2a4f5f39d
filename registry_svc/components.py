"""What registry_svc's HTTP routes work with, built once by the composition root."""

from __future__ import annotations

from pathlib import Path

from registry_svc.ca_service import CaService, LocalRevocationSource
from registry_svc.errors import RegistryError
from registry_svc.registry_service import RegistryService
from shared.clock import Clock
from shared.eventlog.port import EventStore
from shared.pki.ca import CaUrls
from shared.pki.http_signing import DEFAULT_WINDOW_S, SignedCalls
from shared.pki.jws import JwsVerifier
from shared.pki.keys import KeyAlgorithm
from shared.pki.revocation_client import RevocationChecker
from shared.signing import VerificationResult


class RegistryComponents:
    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        *,
        data_dir: Path,
        public_url: str,
        algorithm: KeyAlgorithm = KeyAlgorithm.ES256,
        require_signed_requests: bool = True,
        signed_call_window_s: float = DEFAULT_WINDOW_S,
    ) -> None:
        base = public_url.rstrip("/")
        self.clock = clock
        self.ca = CaService(
            store,
            clock,
            data_dir,
            urls=CaUrls.under(base),
            algorithm=algorithm,
        )
        self.registry = RegistryService(store)
        self.require_signed_requests = require_signed_requests
        self._verifier: JwsVerifier | None = None
        # Signed calls' nonces are remembered in the registry's own event store.
        self.signed_calls = SignedCalls(self._verify, store, window_s=signed_call_window_s)

    async def _verify(self, payload: bytes, signature: str) -> VerificationResult:
        await self.ca.refresh()  # the verifier answers revocation from this state
        return self.verifier.verify(payload, signature)

    async def verify_person(self, payload: bytes, signature: str) -> VerificationResult:
        """A person's detached signature over ``payload`` (the challenge an RA operator signs
        to open the pages): a JWS, or the CMS a browser's signer (NCALayer, ``egov signer``)
        makes; the same checks as a signed call's, revocation from the CA's refreshed state."""
        await self.ca.refresh()
        return self.verifier.verify_document(payload, signature)

    async def start(self) -> None:
        await self.ca.start()
        await self.registry.catch_up()
        # The service asks its own CA in-process, from the state refreshed just before each
        # verification, so it keeps no cache: a revocation counts from the next request on.
        checker = RevocationChecker(LocalRevocationSource(self.ca), self.clock, use_cache=False)
        self._verifier = JwsVerifier([self.ca.trust_anchor], self.clock, checker)

    @property
    def verifier(self) -> JwsVerifier:
        if self._verifier is None:
            raise RegistryError("registry is starting", code="not_started", status=503)
        return self._verifier
