#!/usr/bin/env bash
# Builds the default kernel image berth/python:latest from images/python/Dockerfile.
# Its base is a build argument: a registry image when one answers, else a Debian base bootstrapped locally.
set -euo pipefail
. "$(dirname "$0")/common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOCKER=$(docker_cli)
KERNEL_IMAGE=${BERTH_KERNEL_IMAGE:-berth/python:latest}
LOCAL_BASE=berth/debian-base:bookworm
REGISTRY_BASE=debian:bookworm-slim

have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

mirror() { awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian; }

bootstrap_base() {
  apt_install debootstrap
  local rootfs="$BERTH_CACHE/rootfs.$$" m; m=$(mirror)
  rm -rf "$rootfs"
  log "debootstrap --variant=minbase bookworm from $m (2-3 min; log: $BERTH_CACHE/debootstrap.log)"
  debootstrap --variant=minbase bookworm "$rootfs" "$m" >"$BERTH_CACHE/debootstrap.log" 2>&1 \
    || { tail -30 "$BERTH_CACHE/debootstrap.log" >&2; rm -rf "$rootfs"; return 1; }
  cat >"$rootfs/etc/apt/sources.list" <<SRC
deb $m bookworm main
deb $m bookworm-updates main
deb ${m}-security bookworm-security main
SRC
  # As in the official Debian images: no fsync in dpkg (builds ~35% faster), no recommends, no apt caches.
  echo force-unsafe-io >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/90norecommends"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "$DOCKER" import -c 'CMD ["bash"]' - "$LOCAL_BASE" >/dev/null
  rm -rf "$rootfs"
}

choose_base() {
  if [ -n "${BERTH_BASE_IMAGE:-}" ]; then BASE=$BERTH_BASE_IMAGE; return 0; fi
  if have_image "$LOCAL_BASE"; then BASE=$LOCAL_BASE; log "using local base $BASE"; return 0; fi
  if have_image "$REGISTRY_BASE" || timeout 30 "$DOCKER" pull -q "$REGISTRY_BASE" >/dev/null 2>&1; then
    BASE=$REGISTRY_BASE; log "using registry base $BASE"; return 0
  fi
  log "no registry answers: bootstrapping $LOCAL_BASE with debootstrap"
  bootstrap_base
  BASE=$LOCAL_BASE
}

# The image records the Dockerfile's hash, so an edited Dockerfile rebuilds and an unchanged one is a no-op.
build_kernel_image() {
  local want have
  want=$(sha256sum "$ROOT/images/python/Dockerfile" | cut -c1-16)
  have=$("$DOCKER" image inspect -f '{{index .Config.Labels "berth.dockerfile.hash"}}' "$KERNEL_IMAGE" 2>/dev/null || true)
  if [ "$want" = "$have" ]; then log "$KERNEL_IMAGE is up to date"; return 0; fi
  choose_base
  log "docker build $KERNEL_IMAGE from $BASE (1.5-3 min; log: $BERTH_CACHE/kernel-image-build.log)"
  "$DOCKER" build --build-arg "BASE=$BASE" --label "berth.dockerfile.hash=$want" -t "$KERNEL_IMAGE" "$ROOT/images/python" \
    >"$BERTH_CACHE/kernel-image-build.log" 2>&1 || { tail -30 "$BERTH_CACHE/kernel-image-build.log" >&2; return 1; }
}

step "kernel image $KERNEL_IMAGE" build_kernel_image
