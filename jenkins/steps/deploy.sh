#!/usr/bin/env bash
# Pipeline stage "deploy" (jenkins/Jenkinsfile). scripts/test.sh does not run it
# (it needs a real topology and credentials); deploy/'s tests cover the tool.
# Deploys the packaged bundle to the topology in $TOPOLOGY (the job parameter):
# the first deploy starts the cluster, later ones roll it out one process at a
# time. $BUNDLE overrides the bundle manifest (default: the package stage's).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOPOLOGY:?set TOPOLOGY to a topology file}"
bundle=${BUNDLE:-${RELEASE_DIR:-dist/release}/latest.json}
deploy/bin/deploy validate --topology "$TOPOLOGY"
if deploy/bin/deploy status --topology "$TOPOLOGY" --json | grep -q '"process": "running"'; then
  deploy/bin/deploy rollout --topology "$TOPOLOGY" --bundle "$bundle"
else
  deploy/bin/deploy up --topology "$TOPOLOGY" --bundle "$bundle"
fi
deploy/bin/deploy status --topology "$TOPOLOGY"
