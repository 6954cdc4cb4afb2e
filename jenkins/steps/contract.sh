#!/usr/bin/env bash
# Pipeline stage "contract" (jenkins/Jenkinsfile; scripts/test.sh runs it too).
# Generated code is current (component lists, protocol codecs), and no message id
# was renumbered or reused, and no field changed its number or wire type (jenkins/contract/proto-contract.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm check:generated
node --conditions=tessera-source --import tsx jenkins/src/contract/cli.ts
