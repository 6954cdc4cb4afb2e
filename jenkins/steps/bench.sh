#!/usr/bin/env bash
# Pipeline stage "bench" (jenkins/Jenkinsfile; scripts/test.sh runs it too).
# A short run of every benchmark; the tables go to $REPORTS_DIR/bench/smoke.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
reports=${REPORTS_DIR:-reports}
pnpm bench --smoke --json "$reports/bench/smoke.json"
