#!/usr/bin/env bash
# Makes sure a Docker Engine answers. Uses DOCKER_HOST (or the default socket) when an engine is there;
# otherwise, as root on Debian without systemd, installs docker.io and starts dockerd in the background.
set -euo pipefail
. "$(dirname "$0")/common.sh"

engine_answers() { timeout 10 "$(docker_cli)" version >/dev/null 2>&1; }

ensure_engine() {
  if command -v docker >/dev/null && engine_answers; then
    log "Docker Engine answers: $("$(docker_cli)" version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
    return 0
  fi
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
    die "no Docker Engine answers at DOCKER_HOST=$DOCKER_HOST; start it or unset DOCKER_HOST"
  fi
  is_root_debian || die "no Docker Engine answers. Install Docker Engine (https://docs.docker.com/engine/install/) and start it, or set DOCKER_HOST."
  apt_install docker.io ca-certificates
  local sock=/var/run/docker.sock
  if pgrep -x dockerd >/dev/null; then
    log "dockerd is running but does not answer yet; waiting"
  else
    if [ ! -d /sys/fs/cgroup/memory ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
      apt_install cgroupfs-mount && cgroupfs-mount || true
    fi
    log "starting dockerd (log: $BERTH_CACHE/dockerd.log)"
    setsid nohup dockerd --host "unix://$sock" >"$BERTH_CACHE/dockerd.log" 2>&1 </dev/null &
    echo $! >"$BERTH_CACHE/dockerd.pid"
  fi
  local i
  for i in $(seq 1 120); do
    engine_answers && break
    sleep 0.5
  done
  engine_answers || { tail -20 "$BERTH_CACHE/dockerd.log" >&2; die "dockerd did not answer within 60 s"; }
  log "Docker Engine answers: $("$(docker_cli)" version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
}

step "Docker Engine" ensure_engine
