"""CMS SignedData (RFC 5652), the signature NCALayer returns to a web page, beside the JWS of
:mod:`shared.pki.jws`.

Made by :class:`CmsSigner`: over data with ``cryptography``'s PKCS#7 builder (binary content, no
S/MIME capabilities; detached or with the content encapsulated), or over a SHA-256 digest the
caller computed (NCALayer's ``digested`` signing), which that builder cannot do, with the same
signed attributes built here. Written as PEM with the ``CMS`` label, as NCALayer writes it.

Checked through :func:`parse_cms` (``cryptography`` cannot verify CMS; services call
:meth:`~shared.pki.jws.JwsVerifier.verify_document`): the SignedData is parsed with
``asn1crypto``, the ``messageDigest`` signed attribute is compared with the hash of the
bytes the caller says were signed, and the signature over the signed attributes (their DER,
re-tagged from ``[0] IMPLICIT`` to ``SET``, RFC 5652 5.4) is checked with the signer
certificate's key; then the certificate goes through the same checks as a JWS signer's
(:class:`~shared.pki.certcheck.CertificateChecks`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from shared.pki.certcheck import MAX_CHAIN, Rejected
from shared.pki.certinfo import identity_of
from shared.pki.keys import PrivateKey, algorithm_of
from shared.pki.pkcs12 import KeyFile
from shared.signing import SignerIdentity, VerificationCode

PEM_LABEL = "CMS"
_PEM = re.compile(
    r"-----BEGIN (?P<label>CMS|PKCS7)-----(?P<body>[A-Za-z0-9+/=\s]*)-----END (?P=label)-----"
)
# The digests a signer may name (NCALayer's RSA and EC keys sign with SHA-256).
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
SHA256_BYTES = 32
# A base64 line of PEM (RFC 7468 2).
_PEM_LINE = 64


def cms_pem(der: bytes) -> str:
    """``der`` as PEM with the ``CMS`` label (RFC 7468 9), as NCALayer returns a signature."""
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + _PEM_LINE] for i in range(0, len(text), _PEM_LINE)]
    return f"-----BEGIN {PEM_LABEL}-----\n" + "\n".join(lines) + f"\n-----END {PEM_LABEL}-----\n"


def cms_der(text: str) -> bytes:
    """The DER of a CMS given as PEM (label ``CMS`` or ``PKCS7``) or as base64 DER."""
    stripped = text.strip()
    match = _PEM.fullmatch(stripped)
    body = match.group("body") if match is not None else stripped
    try:
        return base64.b64decode("".join(body.split()), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"neither PEM nor base64: {exc}") from exc


class CmsSigner:
    """A person's CMS signatures with their key and certificate; ``chain`` goes along in the
    SignedData's certificates (the issuing CA, not the root: a verifier holds that already)."""

    def __init__(
        self, key: PrivateKey, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
    ) -> None:
        if key.public_key() != certificate.public_key():
            raise ValueError("the private key does not belong to the certificate")
        algorithm_of(key)  # P-256 or RSA of 2048 bits and more, as for a JWS
        self._key = key
        self._certificate = certificate
        self._chain = tuple(chain)
        self._identity = identity_of(certificate)

    @classmethod
    def from_key_file(cls, key_file: KeyFile) -> CmsSigner:
        chain = tuple(c for c in key_file.chain if c.subject != c.issuer)
        return cls(key_file.key, key_file.certificate, chain)

    @property
    def identity(self) -> SignerIdentity:
        return self._identity

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    def sign(self, data: bytes, *, attached: bool = False) -> bytes:
        """The DER of a SignedData over ``data``: detached, or with ``data`` encapsulated."""
        builder = pkcs7.PKCS7SignatureBuilder().set_data(data)
        builder = builder.add_signer(self._certificate, self._key, hashes.SHA256())
        for certificate in self._chain:
            builder = builder.add_certificate(certificate)
        # Binary: the bytes as they are (no MIME canonicalisation of line ends);
        # NoCapabilities: no S/MIME capabilities attribute, which a document signature
        # does not need.
        options = [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities]
        if not attached:
            options.append(pkcs7.PKCS7Options.DetachedSignature)
        return builder.sign(serialization.Encoding.DER, options)

    def sign_digest(self, digest: bytes, *, at: datetime | None = None) -> bytes:
        """The DER of a detached SignedData over data whose SHA-256 is ``digest``: the same
        signed attributes as :meth:`sign` makes (content type, signing time, message digest),
        so it verifies as a detached signature over that data."""
        if len(digest) != SHA256_BYTES:
            raise ValueError(f"a SHA-256 digest has {SHA256_BYTES} bytes, got {len(digest)}")
        signing_time = (at or datetime.now(UTC)).replace(microsecond=0)
        attributes = [
            asn1_cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            asn1_cms.CMSAttribute(
                {"type": "signing_time", "values": [asn1_cms.Time({"utc_time": signing_time})]}
            ),
            asn1_cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
        ]
        # DER orders a SET OF by the encodings of its elements (X.690 11.6); a verifier such
        # as OpenSSL checks the signature over the attributes as it re-encodes them.
        signed_attrs = asn1_cms.CMSAttributes(sorted(attributes, key=lambda a: a.dump()))
        to_sign = signed_attrs.dump()  # a SET (0x31), as RFC 5652 5.4 has it signed
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            signature = self._key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
            signature_algorithm = "sha256_ecdsa"
        else:
            signature = self._key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
            signature_algorithm = "rsassa_pkcs1v15"
        certificate = asn1_x509.Certificate.load(
            self._certificate.public_bytes(serialization.Encoding.DER)
        )
        signer_info = asn1_cms.SignerInfo(
            {
                "version": "v1",
                "sid": asn1_cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": asn1_cms.IssuerAndSerialNumber(
                            {
                                "issuer": certificate.issuer,
                                "serial_number": certificate.serial_number,
                            }
                        )
                    }
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": signed_attrs,
                "signature_algorithm": {"algorithm": signature_algorithm},
                "signature": signature,
            }
        )
        certificates = [
            certificate,
            *(
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in self._chain
            ),
        ]
        signed_data = asn1_cms.SignedData(
            {
                "version": "v1",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {"content_type": "data"},
                "certificates": certificates,
                "signer_infos": [signer_info],
            }
        )
        content_info = asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        return bytes(content_info.dump())


@dataclass(frozen=True)
class _Parsed:
    content: bytes | None  # the encapsulated content, None when detached
    digest: type[hashes.HashAlgorithm]
    message_digest: bytes
    signed_attrs: bytes  # DER, re-tagged as the SET that was signed
    signature_algorithm: str  # asn1crypto's name: rsassa_pkcs1v15, ecdsa, ...
    signature: bytes
    chain: tuple[bytes, ...]  # DER, the signer's certificate first

    def check_signature(self, payload: bytes, leaf: x509.Certificate) -> None:
        if self.content is not None and self.content != payload:
            raise _bad("the CMS encapsulates other content than the payload")
        digest = hashes.Hash(self.digest())
        digest.update(payload)
        if not hmac.compare_digest(digest.finalize(), self.message_digest):
            raise _bad("the signature's message digest is not the payload's")
        public = leaf.public_key()
        try:
            if self.signature_algorithm == "ecdsa" and isinstance(
                public, ec.EllipticCurvePublicKey
            ):
                public.verify(self.signature, self.signed_attrs, ec.ECDSA(self.digest()))
            elif self.signature_algorithm == "rsassa_pkcs1v15" and isinstance(
                public, rsa.RSAPublicKey
            ):
                public.verify(self.signature, self.signed_attrs, padding.PKCS1v15(), self.digest())
            else:
                raise _bad(f"{self.signature_algorithm} does not fit the certificate's key")
        except InvalidSignature:
            raise _bad("the signature does not verify over the signed attributes") from None


def _bad(detail: str) -> Rejected:
    return Rejected(VerificationCode.BAD_SIGNATURE, detail)


def _single_value(signed_attrs: asn1_cms.CMSAttributes, name: str) -> asn1_core.Asn1Value:
    found = [a for a in signed_attrs if a["type"].native == name]
    if len(found) != 1 or len(found[0]["values"]) != 1:
        # RFC 5652 5.3: exactly one content-type and one message-digest attribute, each with
        # exactly one value.
        raise _bad(f"the signed attributes need exactly one {name} with one value")
    value: asn1_core.Asn1Value = found[0]["values"][0]
    return value


def _signer_chain(
    signed_data: asn1_cms.SignedData, signer: asn1_cms.SignerInfo
) -> tuple[bytes, ...]:
    """The certificates that came with the signature, the one ``signer`` names first."""
    certificates = [
        choice.chosen
        for choice in (signed_data["certificates"] or [])
        if choice.name == "certificate"
    ]
    if not certificates or len(certificates) > MAX_CHAIN:
        raise Rejected(VerificationCode.UNTRUSTED_CHAIN, "no usable certificate chain in the CMS")
    sid = signer["sid"]
    if sid.name == "issuer_and_serial_number":
        wanted = sid.chosen

        def names_signer(c: asn1_x509.Certificate) -> bool:
            return bool(
                c.serial_number == wanted["serial_number"].native and c.issuer == wanted["issuer"]
            )
    else:
        key_id = sid.chosen.native

        def names_signer(c: asn1_x509.Certificate) -> bool:
            return bool(c.key_identifier == key_id)

    leaf = next((c for c in certificates if names_signer(c)), None)
    if leaf is None:
        raise Rejected(
            VerificationCode.UNTRUSTED_CHAIN, "the signer's certificate is not in the CMS"
        )
    return (leaf.dump(), *(c.dump() for c in certificates if c is not leaf))


def parse_cms(signature: str) -> _Parsed:
    """A CMS SignedData (PEM or base64 DER) read for
    :meth:`~shared.pki.certcheck.CertificateChecks.verify`: one signer, with signed
    attributes, its certificate among those that came with it."""
    try:
        der = cms_der(signature)
    except ValueError as exc:
        raise _bad(
            f"neither a detached JWS (header..signature) nor a CMS (PEM or base64 DER): {exc}"
        ) from None
    try:
        info = asn1_cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise _bad(f"a CMS {info['content_type'].native}, not signed data")
        signed_data = info["content"]
        signers = signed_data["signer_infos"]
        if len(signers) != 1:
            # A person's document signature: exactly one signer, whose certificate is checked.
            raise _bad(f"the CMS has {len(signers)} signers, one expected")
        signer = signers[0]
        encapsulated = signed_data["encap_content_info"]
        digest_name = signer["digest_algorithm"]["algorithm"].native
        if digest_name not in _DIGESTS:
            raise _bad(f"digest algorithm {digest_name!r} is not accepted")
        signed_attrs = signer["signed_attrs"]
        if not isinstance(signed_attrs, asn1_cms.CMSAttributes) or len(signed_attrs) == 0:
            # Without signed attributes the content type is not signed; NCALayer always
            # sends them.
            raise _bad("the CMS has no signed attributes")
        content_type = _single_value(signed_attrs, "content_type")
        if content_type.native != encapsulated["content_type"].native:
            raise _bad("the signed content type is not the encapsulated content's")
        message_digest = _single_value(signed_attrs, "message_digest").native
        raw_attrs = signed_attrs.dump()
        algorithm = signer["signature_algorithm"]
        try:
            signature_hash: str | None = algorithm.hash_algo
        except ValueError:  # rsaEncryption, plain ecdsa: no hash in the OID
            signature_hash = None
        if signature_hash is not None and signature_hash != digest_name:
            raise _bad(f"the signature algorithm hashes with {signature_hash}, not {digest_name}")
        content = encapsulated["content"]
        return _Parsed(
            content=None if content.native is None else bytes(content.native),
            digest=_DIGESTS[digest_name],
            message_digest=bytes(message_digest),
            signed_attrs=b"\x31" + raw_attrs[1:],
            signature_algorithm=algorithm.signature_algo,
            signature=bytes(signer["signature"].native),
            chain=_signer_chain(signed_data, signer),
        )
    except Rejected:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise _bad(f"unreadable CMS: {exc}") from None
