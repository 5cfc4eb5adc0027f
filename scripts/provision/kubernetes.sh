#!/usr/bin/env bash
# Builds the pieces of the project's test and demo cluster, cached under $BERTH_CACHE/kubernetes:
#   - kube-apiserver, kube-controller-manager, kube-scheduler and kubelet v1.20.2, built from Debian's
#     `kubernetes` source package (Debian builds only kubectl from it) with Debian's Go 1.19;
#   - Debian's etcd, CNI plugins and kubectl, unpacked (not installed) into the cache;
#   - containerd and runc from Debian (installed: docker.io already depends on them);
#   - Debian's docker-registry (distribution 2.8) for the registry on 127.0.0.1:5000;
#   - the pod sandbox ("pause") image, built statically from the Kubernetes tree.
# Each step is a no-op when its result exists. The cold build takes about 15 min on 2 cores.
set -euo pipefail
. "$(dirname "$0")/common.sh"
K=$BERTH_CACHE/kubernetes
K8S_VERSION=v1.20.2
SRC_PKG_VERSION=1.20.5+really1.20.2
TREE=$K/src/kubernetes-1.20.2
mkdir -p "$K"/{apt/lists/partial,apt/cache/archives/partial,src,debs,root,bin,images}

mirror() { awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian; }
security_mirror() { awk '/^URIs:/{u=$2} END{print u}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian-security; }

# A private apt state with deb-src lines, so the machine's own apt configuration is left untouched.
APTO=()
private_apt() {
  local m s; m=$(mirror); s=$(security_mirror)
  cat >"$K/apt/sources.list" <<SRC
deb $m bookworm main
deb $m bookworm-updates main
deb $s bookworm-security main
deb-src $m bookworm main
deb-src $m bookworm-updates main
deb-src $s bookworm-security main
SRC
  APTO=(-o "Dir::Etc::SourceList=$K/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$K/apt/lists" -o "Dir::Cache=$K/apt/cache" -o APT::Sandbox::User=root)
  if [ -z "$(ls "$K/apt/lists" 2>/dev/null | grep -i sources)" ]; then
    apt-get "${APTO[@]}" update -q >"$K/apt/update.log" 2>&1 || { tail -20 "$K/apt/update.log" >&2; return 1; }
  fi
}

fetch_source() {
  if [ -f "$TREE/.berth-extracted" ]; then log "Kubernetes source tree already in $TREE"; return 0; fi
  command -v dpkg-source >/dev/null || apt_install dpkg-dev
  private_apt
  (cd "$K/src" && apt-get "${APTO[@]}" source --download-only "kubernetes=$SRC_PKG_VERSION-1.1+deb12u1" >"$K/src/download.log" 2>&1 \
    || apt-get "${APTO[@]}" source --download-only kubernetes >"$K/src/download.log" 2>&1) \
    || { tail -20 "$K/src/download.log" >&2; return 1; }
  rm -rf "$TREE"
  tar -xzf "$K/src/kubernetes_${SRC_PKG_VERSION}.orig.tar.gz" -C "$K/src"
  [ -d "$TREE/vendor" ] || die "the source tarball has no vendor/ folder"
  touch "$TREE/.berth-extracted"
}

# Tools unpacked into $K/root (nothing installed system-wide): Go 1.19, etcd, the CNI plugins, kubectl and
# the registry. rsync (for gen_openapi) is installed instead: unpacked, it lacks its libpopt0.
TOOL_DEBS=(golang-1.19-go golang-1.19-src etcd-server etcd-client containernetworking-plugins kubernetes-client docker-registry)
unpack_tools() {
  if [ -f "$K/root/.berth-unpacked" ] && [ "$(cat "$K/root/.berth-unpacked")" = "${TOOL_DEBS[*]}" ]; then
    log "tools already unpacked in $K/root"; return 0
  fi
  private_apt
  rm -rf "$K/root" "$K/debs"; mkdir -p "$K/root" "$K/debs"
  (cd "$K/debs" && apt-get "${APTO[@]}" download "${TOOL_DEBS[@]}" >"$K/debs/download.log" 2>&1) \
    || { tail -20 "$K/debs/download.log" >&2; return 1; }
  local d
  for d in "$K"/debs/*.deb; do dpkg-deb -x "$d" "$K/root"; done
  echo "${TOOL_DEBS[*]}" >"$K/root/.berth-unpacked"
}

go_env() {
  export GOROOT=$K/root/usr/lib/go-1.19
  export PATH=$GOROOT/bin:$K/root/usr/bin:$PATH
  export GOPATH=$K/gopath GOCACHE=$K/gocache GO111MODULE=off GOFLAGS= GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local
  mkdir -p "$GOPATH/src/k8s.io"
  ln -sfn "$TREE" "$GOPATH/src/k8s.io/kubernetes"
}

# pkg/generated/openapi is not in the tarball; without it kube-apiserver does not compile.
gen_openapi() {
  local out=$TREE/pkg/generated/openapi/zz_generated.openapi.go
  if [ -s "$out" ]; then log "openapi definitions already generated"; return 0; fi
  go_env
  rm -rf "$TREE/_output"   # a failed run leaves an empty openapi-gen that make would take as built
  (cd "$TREE" && unset GO111MODULE && make gen_openapi >"$K/gen_openapi.log" 2>&1) || { tail -30 "$K/gen_openapi.log" >&2; return 1; }
  [ -s "$out" ] || die "make gen_openapi wrote no $out"
}

build_one() {
  local c=$1 bin=$K/bin/$1 stamp=$K/bin/.$1.version
  # The stamp is written after a build whose binary reported the right version (running 100 MB binaries for
  # --version on every no-op run costs seconds).
  if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$K8S_VERSION" ]; then
    log "$c $K8S_VERSION already built"; return 0
  fi
  if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | awk '{print $2}')" = "$K8S_VERSION" ]; then
    echo "$K8S_VERSION" >"$stamp"; log "$c $K8S_VERSION already built"; return 0
  fi
  go_env
  local V=k8s.io/kubernetes/vendor/k8s.io LD="-s -w" pkg
  for pkg in component-base/version client-go/pkg/version; do
    LD="$LD -X $V/$pkg.gitVersion=$K8S_VERSION -X $V/$pkg.gitMajor=1 -X $V/$pkg.gitMinor=20 -X $V/$pkg.gitTreeState=clean"
    LD="$LD -X $V/$pkg.gitCommit=faecb196815e248d3ecfb03c680a4507229c2a56 -X $V/$pkg.buildDate=2021-01-13T13:20:00Z"
  done
  local cgo=0; [ "$c" = kubelet ] && cgo=1
  log "go build $c (the apiserver and the kubelet take 5-8 min each on 2 cores; log: $K/build-$c.log)"
  (cd "$GOPATH/src/k8s.io/kubernetes" && CGO_ENABLED=$cgo go build -ldflags "$LD" -o "$bin.tmp" "./cmd/$c" >"$K/build-$c.log" 2>&1) \
    || { tail -30 "$K/build-$c.log" >&2; rm -f "$bin.tmp"; return 1; }
  [ "$("$bin.tmp" --version 2>/dev/null | awk '{print $2}')" = "$K8S_VERSION" ] || die "$c does not report version $K8S_VERSION"
  mv "$bin.tmp" "$bin"
  echo "$K8S_VERSION" >"$stamp"
}

build_binaries() {
  local c
  for c in kube-scheduler kube-controller-manager kube-apiserver kubelet; do step "build $c" build_one "$c"; done
}

# The sandbox image every pod needs. No registry outside answers, so it is compiled from the tree's pause.c,
# made an image with `docker build` FROM scratch, and saved to a tar that the cluster's containerd imports
# under its default sandbox name (registry.k8s.io/pause:3.6) at cluster start. The static binary stays beside
# it: the cluster smoke test pushes a tiny image made of it through the registry (`pause -v` prints a line).
build_pause() {
  local out=$K/images/pause.tar bin=$K/images/pause dir=$K/images/pause-build docker; docker=$(docker_cli)
  if [ -s "$out" ] && [ -x "$bin" ]; then log "pause image already built"; return 0; fi
  rm -rf "$dir"; mkdir -p "$dir"
  gcc -Os -static -o "$dir/pause" "$TREE/build/pause/linux/pause.c" -DVERSION=3.6-berth
  printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$dir/Dockerfile"
  "$docker" build -q -t registry.k8s.io/pause:3.6 "$dir" >/dev/null
  "$docker" save -o "$out.tmp" registry.k8s.io/pause:3.6
  "$docker" rmi registry.k8s.io/pause:3.6 >/dev/null
  mv "$out.tmp" "$out"; mv "$dir/pause" "$bin"; rm -rf "$dir"
}

runtime_packages() {
  # rsync and make for gen_openapi, gcc for the kubelet (cgo) and the pause binary
  apt_install containerd runc iproute2 openssl curl rsync make gcc libc6-dev
}

step "Debian packages (containerd, runc, iproute2, openssl, curl, rsync, make, gcc)" runtime_packages
step "Kubernetes $K8S_VERSION source (Debian's kubernetes $SRC_PKG_VERSION)" fetch_source
step "Go 1.19, etcd, CNI plugins, kubectl, docker-registry (unpacked into $K/root)" unpack_tools
step "openapi definitions" gen_openapi
build_binaries
step "pause image" build_pause
log "Kubernetes binaries in $K/bin: $(ls "$K/bin" | tr '\n' ' ')"
