#!/usr/bin/env bash
# Installs everything Tessera needs on a fresh Debian machine with Node >= 20:
# pnpm, the Debian packages (MariaDB server, protoc, chromium, and what the
# pipeline and deploy tests use), and the workspace's npm dependencies. Safe to
# run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
# libprotobuf-dev: descriptor.proto, which protoc needs to read our custom options.
# groovy (it pulls in a Java runtime): the test that parses jenkins/Jenkinsfile.
# systemd: systemd-analyze, which checks the unit files deploy/ generates (it
# does not make systemd the init system). iproute2 (ip netns), rsync and
# util-linux (prlimit): the deploy tool and its three-namespace test.
# openssh-server: the deploy tool's SSH transport is tested against a private sshd.
APT_PACKAGES=(mariadb-server mariadb-client protobuf-compiler libprotobuf-dev chromium
  groovy systemd iproute2 rsync util-linux openssh-server)

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "[setup] Node >= 20 is required (found: $(node -v 2>/dev/null || echo none))" >&2
  exit 1
fi

# Corepack cannot fetch pnpm on these machines (signature check); npm can.
if ! command -v pnpm >/dev/null || [ "$(pnpm -v)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "[setup] need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packaged MariaDB service is not used: every script starts a private instance.
fi

log "installing npm dependencies"
pnpm install --frozen-lockfile --prefer-offline 2>&1 | tail -n 3
log "ready"
