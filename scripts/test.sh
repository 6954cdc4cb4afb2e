#!/usr/bin/env bash
# The one command that sets up a fresh machine and runs every check and test:
#   ./scripts/test.sh
# Steps: install (scripts/setup.sh), lint, generated-code checks, type-check
# and build, the whole test suite (unit, end-to-end, fault suites against a
# private MariaDB), and a smoke run of every benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1;34m== %s ==\033[0m\n' "$*"; }

step setup
bash scripts/setup.sh

step lint
pnpm lint

step "generated code is up to date"
pnpm check:generated

step "type-check and build"
pnpm build

step tests
pnpm test

step "benchmarks (smoke)"
pnpm bench --smoke
