#!/usr/bin/env bash
# Pipeline stage "lint" (jenkins/Jenkinsfile; scripts/test.sh runs it too).
# biome: formatting and lint rules over the whole repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm lint
