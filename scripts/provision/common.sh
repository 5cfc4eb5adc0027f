# Shared helpers for the provisioning steps. Sourced, not run.
# Everything provisioned is cached outside the repository, under $BERTH_CACHE.
export BERTH_CACHE=${BERTH_CACHE:-/var/cache/berth}
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$BERTH_CACHE"

log() { printf '[berth %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# One run of each provisioning script at a time on this machine: two `npm test` runs, or `npm start` beside
# `npm test`, share the cache, and two installs into one folder break each other (a half-installed VS Code host
# was once reported as done). The script re-executes itself under flock(1); `-o` keeps the lock in flock's own
# descriptor, so the daemons a script starts (dockerd, the registry) never hold it.
_berth_lock_var="BERTH_PROVISION_LOCKED_$(basename "$0" .sh | tr -c 'A-Za-z0-9\n' '_')"
if [ -z "${!_berth_lock_var:-}" ] && command -v flock >/dev/null; then
  export "$_berth_lock_var=1"
  _berth_lock_file="$BERTH_CACHE/.provision-$(basename "$0" .sh).lock"
  flock -n "$_berth_lock_file" true || log "waiting for another run of $(basename "$0") to finish"
  exec flock -o "$_berth_lock_file" bash "$0" "$@"
fi

# step NAME CMD...: runs one provisioning step and prints how long it took.
step() {
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  log "$name ..."
  "$@" || die "$name failed"
  log "$name done in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
}

is_root_debian() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; }

# apt_install PKG...: installs the Debian packages that are missing (retries while another dpkg holds the lock).
apt_install() {
  local need=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  is_root_debian || die "missing packages: ${need[*]} (install them, or run as root on Debian so Berth can)"
  log "apt-get install ${need[*]}"
  local i
  for i in 1 2 3 4 5 6; do
    if [ $i -gt 1 ] || [ ! -d /var/lib/apt/lists ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
      apt-get update -q >/dev/null 2>&1 || true
    fi
    apt-get install -y -q --no-install-recommends "${need[@]}" >"$BERTH_CACHE/apt-install.log" 2>&1 && return 0
    log "apt-get install failed (attempt $i), retrying"; sleep 5
  done
  tail -20 "$BERTH_CACHE/apt-install.log" >&2
  return 1
}

# The docker CLI that matches the engine best: Debian's 20.10 client when present, else whatever is on PATH.
docker_cli() { if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker; fi; }
