#!/usr/bin/env bash
# Pipeline stage "install" (jenkins/Jenkinsfile; scripts/test.sh runs it too).
# Debian packages, pnpm, and the workspace's npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh
