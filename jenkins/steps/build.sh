#!/usr/bin/env bash
# Pipeline stage "build" (jenkins/Jenkinsfile; scripts/test.sh runs it too).
# Type-check everything and build every package's dist/.
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm build
