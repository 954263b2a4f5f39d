#!/usr/bin/env bash
# The compose topology (deploy/compose.yaml) with Compose v2 (`docker compose`) or v1
# (`docker-compose`), as the project egov-sim (docs/deploy.md).
#
#   deploy/compose.sh up [SERVICE...]   build, start, and wait until every container is healthy
#                                       (provision: finished with status 0)
#   deploy/compose.sh down [-v]         stop and remove the containers (-v: and the volumes)
#   deploy/compose.sh ARGS...           any other compose command, e.g. ps, logs -f portal
#
# Images: the official ones are pulled; when they cannot be (no registry reachable), the base
# images are built on this machine by deploy/local-images.sh once, and deploy/local-images.env
# (which that script writes) is used from then on. EGOV_PYTHON_IMAGE, EGOV_POSTGRES_IMAGE and
# EGOV_RABBITMQ_IMAGE set in the environment win over both.
# Settings: EGOV_COMPOSE_PROJECT (egov-sim), EGOV_COMPOSE_WAIT_S (300: how long `up` waits).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=${EGOV_COMPOSE_PROJECT:-egov-sim}
wait_s=${EGOV_COMPOSE_WAIT_S:-300}
say() { printf 'compose: %s\n' "$*" >&2; }

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
else
  say "neither 'docker compose' nor 'docker-compose' is installed"; exit 2
fi
compose+=(--project-name "$project" --file "$here/compose.yaml")

choose_images() {
  if [ -n "${EGOV_PYTHON_IMAGE:-}${EGOV_POSTGRES_IMAGE:-}${EGOV_RABBITMQ_IMAGE:-}" ]; then
    return
  fi
  if [ ! -f "$here/local-images.env" ]; then
    local image
    for image in python:3.11-slim postgres:16-alpine rabbitmq:3.13-management; do
      docker image inspect "$image" >/dev/null 2>&1 && continue
      if ! docker pull --quiet "$image" >/dev/null 2>&1; then
        say "$image cannot be pulled: building the base images here (deploy/local-images.sh)"
        "$here/local-images.sh" >/dev/null
        break
      fi
    done
  fi
  if [ -f "$here/local-images.env" ]; then
    say "using the images built on this machine (deploy/local-images.env)"
    set -a
    # shellcheck source=/dev/null
    . "$here/local-images.env"
    set +a
  fi
}

# Until every container of the project is healthy, or (without a health check) has exited 0.
wait_healthy() {
  local deadline=$((SECONDS + wait_s)) ids line name state health code pending
  while :; do
    mapfile -t ids < <("${compose[@]}" ps -a -q)
    pending=0
    for line in $(docker inspect -f \
        '{{.Name}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}' \
        "${ids[@]}"); do
      IFS='|' read -r name state health code <<<"$line"
      name=${name#/}
      if [ "$state" = exited ] && [ "$code" != 0 ]; then
        say "$name exited with status $code; its last lines:"
        docker logs --tail 30 "$name" >&2 || true
        return 1
      fi
      if [ "$health" = unhealthy ]; then
        say "$name is unhealthy; its last lines:"
        docker logs --tail 30 "$name" >&2 || true
        return 1
      fi
      if [ "$health" = healthy ] || { [ -z "$health" ] && [ "$state" = exited ]; }; then
        continue
      fi
      pending=$((pending + 1))
    done
    [ "$pending" = 0 ] && [ "${#ids[@]}" -gt 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "not healthy after ${wait_s}s:"
      "${compose[@]}" ps >&2 || true
      return 1
    fi
    sleep 2
  done
}

case "${1:-}" in
  up)
    shift
    choose_images
    "${compose[@]}" up --detach --build "$@"
    wait_healthy
    say "every container is healthy"
    "${compose[@]}" ps
    ;;
  "")
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2
    ;;
  *)
    [ -f "$here/local-images.env" ] && { set -a; . "$here/local-images.env"; set +a; }
    "${compose[@]}" "$@"
    ;;
esac
