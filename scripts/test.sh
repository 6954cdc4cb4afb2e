#!/usr/bin/env bash
# The one command that sets up a fresh machine and runs every check and test:
#   ./scripts/test.sh
# It runs the Jenkins pipeline's stage scripts (jenkins/steps/<stage>.sh) in
# the pipeline's order, so every landing exercises the pipeline itself:
#   install   scripts/setup.sh: Debian packages, pnpm, npm dependencies
#   lint      biome
#   contract  generated code is current; no message id renumbered or reused
#   build     type-check and build
#   test      the whole suite (unit, end-to-end, fault and deploy suites against
#             private MariaDB instances); JUnit XML in reports/junit/
#   bench     a smoke run of every benchmark; JSON in reports/bench/
#   package   the release bundle in dist/release/
# The pipeline's last stage, deploy, needs a real topology and credentials, so
# it is not run here; the deploy tool it calls has its own tests in deploy/.
# jenkins/src/jenkinsfile/jenkinsfile.test.ts checks this list against the
# Jenkinsfile and jenkins/steps/.
set -euo pipefail
cd "$(dirname "$0")/.."

STAGES=(install lint contract build test bench package)

for stage in "${STAGES[@]}"; do
  printf '\n\033[1;34m== %s ==\033[0m\n' "$stage"
  bash "jenkins/steps/$stage.sh"
done
