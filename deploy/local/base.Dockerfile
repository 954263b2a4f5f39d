# The Debian base every local image starts from: the tree deploy/local-images.sh made with
# debootstrap and imported, plus what a container build needs of it.
ARG DEBIAN_IMAGE=egov-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
# Package scripts must not try to start services during a build.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
# The host's certificate authorities: where this machine's HTTPS traffic is re-signed by a
# local CA, pip inside a build must trust what the host trusts.
COPY host-ca-bundle.pem /etc/ssl/certs/host-ca-bundle.pem
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_CERT=/etc/ssl/certs/host-ca-bundle.pem \
    SSL_CERT_FILE=/etc/ssl/certs/host-ca-bundle.pem \
    LANG=C.UTF-8
