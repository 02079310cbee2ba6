#!/usr/bin/env bash
# Fresh machine → working search page: install, index corpus/, serve on http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
telusur ingest corpus/
exec telusur serve --host "${TELUSUR_HOST:-127.0.0.1}" --port "${TELUSUR_PORT:-8000}"
