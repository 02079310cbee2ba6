#!/usr/bin/env bash
# Install everything the tests need (Debian chromium for the browser tests) and run them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi
bash scripts/install.sh test,int8,openvino  # the onnxruntime-int8 and openvino engines are tested too
export TELUSUR_DATA="${TELUSUR_DATA:-$(cd .. && pwd)/shared/data}"
ruff check .
python3 -m pytest -q "$@"
