#!/usr/bin/env bash
# Base images built on this machine, for hosts where no container registry can be reached
# (docs/deploy.md "Without a registry"). On a machine that can pull, `make up` uses the official
# images and this script is not needed.
#
#   deploy/local-images.sh            build what is missing, print the variables to use
#   deploy/local-images.sh --rebuild  build everything again
#
# It makes a minimal Debian bookworm tree with debootstrap from the machine's Debian mirror,
# imports it as egov-local/debian:bookworm, and builds FROM it, with Debian's own packages:
#   egov-local/python:3.11    for python:3.11-slim (the egov image's base)
#   egov-local/postgres:15    for postgres:16-alpine (deploy/local/postgres-entrypoint.sh)
#   egov-local/rabbitmq:3.10  for rabbitmq:3.13-management
# The host's CA bundle is copied into the images, so that pip trusts what the host trusts.
# Needs: root (debootstrap), docker, debootstrap. Writes deploy/local-images.env, which
# deploy/compose.sh (`make up`) reads.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=bookworm
rebuild=false
[ "${1:-}" = --rebuild ] && rebuild=true

mirror=${EGOV_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  # The mirror the host's own apt uses (deb822 or one-line sources), else Debian's.
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' \
      /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | head -n1 | awk '{print $2}' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
ca_bundle=${EGOV_HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

have() { ! $rebuild && docker image inspect "$1" >/dev/null 2>&1; }
say() { printf 'local-images: %s\n' "$*" >&2; }

for tool in docker debootstrap; do
  command -v "$tool" >/dev/null || { say "$tool is missing (Debian: apt-get install $tool)"; exit 2; }
done
[ -r "$ca_bundle" ] || { say "no CA bundle at $ca_bundle (set EGOV_HOST_CA_BUNDLE)"; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! have "egov-local/debian:$suite"; then
  tree="$work/tree"
  # A mirror now and then fails one download ("Couldn't download packages"): tried 3 times.
  for attempt in 1 2 3; do
    say "debootstrap $suite from $mirror (attempt $attempt)"
    rm -rf "$tree"
    debootstrap --variant=minbase "$suite" "$tree" "$mirror" >"$work/log" 2>&1 && break
    tail -n 3 "$work/log" >&2
    [ "$attempt" = 3 ] && { say "debootstrap failed 3 times"; exit 1; }
  done
  tar -C "$tree" -c . | docker import - "egov-local/debian:$suite" >/dev/null
  rm -rf "$tree"
fi

context="$work/context"
mkdir "$context"
cp "$here"/local/* "$context"/
cp "$ca_bundle" "$context/host-ca-bundle.pem"
build() { # image dockerfile
  if have "$1"; then return; fi
  say "building $1"
  docker build -t "$1" -f "$context/$2" "$context" >"$work/log" 2>&1 \
    || { tail -n 30 "$work/log" >&2; exit 1; }
}
# The base is rebuilt with the others so that a changed CA bundle reaches every image.
build "egov-local/base:$suite" base.Dockerfile
build egov-local/python:3.11 python.Dockerfile
build egov-local/postgres:15 postgres.Dockerfile
build egov-local/rabbitmq:3.10 rabbitmq.Dockerfile

cat > "$here/local-images.env" <<ENV
# Written by deploy/local-images.sh: the compose topology on images built on this machine.
EGOV_PYTHON_IMAGE=egov-local/python:3.11
EGOV_POSTGRES_IMAGE=egov-local/postgres:15
EGOV_RABBITMQ_IMAGE=egov-local/rabbitmq:3.10
ENV
say "ready; the variables are in deploy/local-images.env"
cat "$here/local-images.env" | grep -v '^#'
