#!/usr/bin/env bash
# Builds Berth's images from the Dockerfiles under images/, each only when it is missing or its inputs changed:
#   berth/python:latest  images/python  the default kernel image (Python, ipykernel, jupyter-server)
#   berth/docs:latest    images/docs    Pandoc with citeproc and XeLaTeX, for Export Document / `berth export`
#   berth/r:latest       images/r       R, IRkernel, rmarkdown, knitr and jupyter-server on berth/docs (so
#                                       pdf_document knits with the same LaTeX), for Knit / `berth knit`
# usage: images.sh [python] [docs] [r]   (no argument: all of them; r brings docs with it)
# Each base is a build argument: a registry image when one answers, else a Debian base bootstrapped locally.
set -euo pipefail
. "$(dirname "$0")/common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOCKER=$(docker_cli)
KERNEL_IMAGE=${BERTH_KERNEL_IMAGE:-berth/python:latest}
DOCS_IMAGE=berth/docs:latest
R_IMAGE=berth/r:latest
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

# Progress for a build that takes minutes: the Dockerfile steps, and how far apt has got through its packages.
build_progress() {
  awk -v logfile="$1" '
    { print >> logfile; fflush(logfile) }
    /^Step [0-9]+\/[0-9]+ :/ { printf "[berth]   %s\n", substr($0, 1, 110) > "/dev/stderr" }
    /newly installed/ { total = $3; printf "[berth]   apt: %d packages to install\n", total > "/dev/stderr" }
    /^Setting up / { done++; if (total && (done % 50 == 0 || done == total)) printf "[berth]   apt: %d/%d packages set up\n", done, total > "/dev/stderr" }
  '
}

# build_image TAG DIR HASH BASE: builds DIR's Dockerfile as TAG unless TAG already carries HASH.
# The image records the hash of its inputs, so an edited Dockerfile rebuilds and an unchanged one is a no-op.
build_image() {
  local tag=$1 dir=$2 want=$3 base=$4 name have logfile
  name=$(basename "$dir")
  have=$("$DOCKER" image inspect -f '{{index .Config.Labels "berth.dockerfile.hash"}}' "$tag" 2>/dev/null || true)
  if [ "$want" = "$have" ]; then log "$tag is up to date"; return 0; fi
  logfile="$BERTH_CACHE/$name-image-build.log"
  : >"$logfile"
  log "docker build $tag from $base (log: $logfile)"
  "$DOCKER" build --build-arg "BASE=$base" --label "berth.dockerfile.hash=$want" -t "$tag" "$dir" 2>&1 | build_progress "$logfile"
  [ "${PIPESTATUS[0]}" = 0 ] || { tail -30 "$logfile" >&2; return 1; }
  log "$tag: $("$DOCKER" image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
}

dockerfile_hash() { sha256sum "$ROOT/images/$1/Dockerfile" | cut -c1-16; }

build_kernel_image() {
  local want; want=$(dockerfile_hash python)
  [ "$want" = "$("$DOCKER" image inspect -f '{{index .Config.Labels "berth.dockerfile.hash"}}' "$KERNEL_IMAGE" 2>/dev/null || true)" ] \
    || choose_base
  build_image "$KERNEL_IMAGE" "$ROOT/images/python" "$want" "${BASE:-}"
}

build_docs_image() {
  local want; want=$(dockerfile_hash docs)
  [ "$want" = "$("$DOCKER" image inspect -f '{{index .Config.Labels "berth.dockerfile.hash"}}' "$DOCS_IMAGE" 2>/dev/null || true)" ] \
    || choose_base
  build_image "$DOCS_IMAGE" "$ROOT/images/docs" "$want" "${BASE:-}"
}

# The R image sits on the docs image: its hash covers the docs image's id, so a rebuilt docs image rebuilds it.
build_r_image() {
  local want
  want=$( { cat "$ROOT/images/r/Dockerfile"; "$DOCKER" image inspect -f '{{.Id}}' "$DOCS_IMAGE"; } | sha256sum | cut -c1-16)
  build_image "$R_IMAGE" "$ROOT/images/r" "$want" "$DOCS_IMAGE"
}

images=("$@")
[ ${#images[@]} -eq 0 ] && images=(python docs r)
for w in "${images[@]}"; do
  case $w in
    python) step "kernel image $KERNEL_IMAGE" build_kernel_image ;;
    docs) step "docs image $DOCS_IMAGE" build_docs_image ;;
    r) step "docs image $DOCS_IMAGE" build_docs_image; step "R image $R_IMAGE" build_r_image ;;
    *) die "unknown image \"$w\" (python, docs or r)" ;;
  esac
done
