#!/usr/bin/env bash
# Pipeline stage "test" (jenkins/Jenkinsfile; scripts/test.sh runs it too).
# The whole test suite (unit, end-to-end, fault and deploy suites; private MariaDB
# instances). JUnit XML goes to $REPORTS_DIR/junit/ for Jenkins.
set -euo pipefail
cd "$(dirname "$0")/../.."
reports=${REPORTS_DIR:-reports}
mkdir -p "$reports/junit"
pnpm vitest run --reporter=default --reporter=junit --outputFile.junit="$reports/junit/vitest.xml"
