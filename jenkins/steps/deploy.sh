#!/usr/bin/env bash
# Pipeline stage "deploy" (jenkins/Jenkinsfile). scripts/test.sh does not run it
# (it needs a real topology and credentials); deploy/'s tests cover the tool.
# Deploys the packaged bundle to the topology in $TOPOLOGY (the job parameter).
# $BUNDLE overrides the bundle (default: the one dist/release/latest.json names).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOPOLOGY:?set TOPOLOGY to a topology file}"
release=${RELEASE_DIR:-dist/release}
bundle=${BUNDLE:-$(node -p "require(require('path').resolve('$release/latest.json')).file")}
deploy/bin/deploy up --topology "$TOPOLOGY" --bundle "$bundle"
