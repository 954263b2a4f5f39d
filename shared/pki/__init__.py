"""The simulated National Certification Authority's mechanisms (certificates shaped like НУЦ's,
PKCS#12 key files, CRL and OCSP) and the detached-JWS Signer/Verifier of ``shared.signing``.

Mechanisms only: who gets a certificate and when is decided by registry_svc.
"""
