#!/usr/bin/env bash
# The pieces the remote-engine tests build a "remote" machine from (test/integration/remote): Debian's OpenSSH
# server (started by the tests themselves, on a veth address only, with a key made for the run) and socat (a TCP
# listener relaying to the Docker socket, for tcp://). Idempotent: a no-op when both are installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

step "OpenSSH server and socat for the remote-engine tests" apt_install openssh-server socat iproute2
