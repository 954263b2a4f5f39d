"""The simulated National Certification Authority's mechanisms (certificates shaped like НУЦ's,
PKCS#12 key files, CRL and OCSP), the detached-JWS Signer/Verifier of ``shared.signing``, and
the CMS signatures a browser gets from NCALayer, checked by the same certificate checks.

Mechanisms only: who gets a certificate and when is decided by registry_svc.
"""
