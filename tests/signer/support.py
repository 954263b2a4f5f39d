"""A person signing in a browser, for the services' tests: the detached CMS (PEM) that
`egov signer` hands a page for NCALayer's basicsSignCMS, made by the signer's own code."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from egov.signer.protocol import Signing
from shared.pki.certinfo import identity_of
from shared.pki.cms import cms_pem
from shared.pki.keys import PrivateKey
from shared.pki.pkcs12 import KeyFile
from shared.signing import SignerIdentity

DETACHED = Signing(attached=False, digested=False)


@dataclass(frozen=True)
class BrowserSigner:
    """Signs like a JwsSigner (``sign(payload) -> str``, ``identity``), but the signature is
    the CMS a page gets from NCALayer or `egov signer`."""

    key_file: KeyFile

    @classmethod
    def of(
        cls, key: PrivateKey, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...]
    ) -> BrowserSigner:
        return cls(KeyFile(key, certificate, chain))

    @property
    def identity(self) -> SignerIdentity:
        return identity_of(self.key_file.certificate)

    def sign(self, payload: bytes) -> str:
        [signature] = DETACHED.sign(self.key_file, [payload])
        return cms_pem(signature)
