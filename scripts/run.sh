#!/usr/bin/env bash
# The one command that sets up a fresh machine and runs the platform locally:
#   ./scripts/run.sh            (Ctrl-C stops everything)
# It installs everything (scripts/setup.sh), builds, then starts a private
# MariaDB instance, the center, login, two logic services and two gateways,
# and bots that play through them (scripts/local-cluster.mjs). Set MYSQL_URL
# to use an existing MySQL/MariaDB server instead of the private instance.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pnpm build >/dev/null
exec node scripts/local-cluster.mjs "$@"
