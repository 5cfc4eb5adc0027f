#!/usr/bin/env bash
# Installs the VS Code host used by the tests and by `npm start`: the VS Code server inside the npm package
# code-server (pinned; VS Code 1.100.3 runs on Node 20), and Debian's Chromium for the workbench.
# Result: $BERTH_CACHE/vscode-host/code-server-$VER/vscode (lib/vscode) and /usr/bin/chromium.
set -euo pipefail
. "$(dirname "$0")/common.sh"
VER=${BERTH_CODE_SERVER_VERSION:-4.100.3}
DEST=$BERTH_CACHE/vscode-host/code-server-$VER

ensure_chromium() {
  if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then log "chromium: $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null)"; return 0; fi
  apt_install chromium
}

install_code_server() {
  if [ -f "$DEST/vscode/out/server-main.js" ]; then log "code-server $VER already installed in $DEST"; return 0; fi
  # kerberos needs gssapi headers to build; @vscode/ripgrep's download is replaced by Debian's rg below.
  apt_install libkrb5-dev ripgrep make g++ python3
  local work="$DEST.tmp"
  rm -rf "$work"; mkdir -p "$work/tmp" "$work/pkg"
  (
    cd "$work"
    export TMPDIR=$work/tmp
    log "npm pack code-server@$VER"
    # step() runs this in an `||` context, where `set -e` does nothing: each command that matters says so itself.
    npm pack --silent "code-server@$VER" --pack-destination "$work" >/dev/null || die "npm pack code-server@$VER failed"
    local tgz=$work/code-server-$VER.tgz
    tar -xzf "$tgz" -C pkg package/package.json package/lib/vscode/npm-shrinkwrap.json || die "unpacking $tgz failed"
    local want; want=$(node -p "require('./pkg/package/package.json').engines.node.replace(/[^0-9].*$/,'')")
    [ "$(node -p 'process.versions.node.split(".")[0]')" = "$want" ] || die "code-server $VER wants Node $want, this is $(node -v)"
    local d
    for d in /usr /usr/local "$(dirname "$(dirname "$(command -v node)")")"; do
      [ -f "$d/include/node/node.h" ] && export npm_config_nodedir=$d && break
    done
    # @vscode/ripgrep's postinstall downloads rg from GitHub: seed its cache with Debian's rg instead.
    local rgver rgtag
    rgver=$(node -p "(require('./pkg/package/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep']||{}).version||''")
    if [ -n "$rgver" ]; then
      mkdir -p rgpkg rgbin "$TMPDIR/vscode-ripgrep-cache-$rgver"
      (cd rgpkg && npm pack --silent "@vscode/ripgrep@$rgver" >/dev/null && tar -xzf vscode-ripgrep-*.tgz package/lib/postinstall.js)
      rgtag=$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" rgpkg/package/lib/postinstall.js)
      cp /usr/bin/rg rgbin/rg
      tar -czf "$TMPDIR/vscode-ripgrep-cache-$rgver/ripgrep-$rgtag-x86_64-unknown-linux-musl.tar.gz" -C rgbin rg
    fi
    echo '{"private":true}' > package.json
    log "npm install code-server@$VER (builds native modules, ~3 min; log: $work/npm-install.log)"
    # node-pty's postinstall runs `npx node-gyp`; code-server 4.100's postinstall refuses root without unsafe-perm.
    npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund --foreground-scripts "$tgz" \
      > npm-install.log 2>&1 || { tail -40 npm-install.log >&2; exit 1; }
    rm -rf pkg rgpkg rgbin tmp "$tgz"
  ) || return 1
  [ -f "$work/node_modules/code-server/lib/vscode/out/server-main.js" ] || die "code-server $VER did not install its VS Code server (see $work/npm-install.log)"
  rm -rf "$DEST"; mv "$work" "$DEST"
  ln -sfn "$DEST/node_modules/code-server/lib/vscode" "$DEST/vscode"
  log "VS Code $(node -p "require('$DEST/vscode/package.json').version") server installed in $DEST ($(du -sh "$DEST" | cut -f1))"
}

step "Chromium" ensure_chromium
step "VS Code host (code-server $VER)" install_code_server
