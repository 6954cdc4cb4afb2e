#!/usr/bin/env bash
# Pipeline stage "package" (jenkins/Jenkinsfile; scripts/test.sh runs it too).
# The release bundle: dist/release/tessera-<version>-<commit>.tar.gz and
# dist/release/latest.json (which bundle the deploy stage ships).
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/bin/deploy bundle --out "${RELEASE_DIR:-dist/release}"
