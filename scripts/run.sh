#!/usr/bin/env bash
# The one command that sets up a fresh machine and runs the platform locally:
#   ./scripts/run.sh                 (200 bots play until Ctrl-C, which stops everything)
#   ./scripts/run.sh --bots 50       (fewer bots; --scenario hostile: hostile bots beside polite ones)
#   ./scripts/run.sh --smoke         (play for --duration s, default 40; exit 0 only if every bot played clean)
# It installs everything (scripts/setup.sh), builds, then starts a private
# MariaDB instance, the center, login (2 processes), two logic services and
# two gateways, and bots that play through them (scripts/local-cluster.mjs);
# the terminal shows a summary, the logs and an env file (addresses, cluster
# secret) are in the run folder .tmp/local-cluster. Set MYSQL_URL to use an
# existing MySQL/MariaDB server instead of the private instance.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pnpm build >/dev/null
exec node scripts/local-cluster.mjs "$@"
