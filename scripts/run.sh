#!/usr/bin/env bash
# The one command that sets up a fresh machine and runs the platform locally:
#   ./scripts/run.sh            (Ctrl-C to stop)
# Extra arguments are passed to the service as --key value configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pnpm build >/dev/null
echo "[run] starting center (Ctrl-C stops it gracefully)"
cd services/center
exec node dist/main.js --config config/local.json "$@"
