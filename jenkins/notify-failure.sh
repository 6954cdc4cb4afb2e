#!/usr/bin/env bash
# The pipeline's post { failure } action: report the failed build to the alert
# webhook (TESSERA_ALERT_WEBHOOK, signed with TESSERA_ALERT_SECRET when set).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node jenkins/notify-failure.mjs
