#!/usr/bin/env bash
# Installs the Python oracle (pinned vectorbt and friends) into reference-data/.venv.
# Idempotent: a no-op, apart from pip's check, when the pins are already installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "reference-data: creating $venv"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" - "$here/requirements.txt" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    name, _, want = line.strip().partition("==")
    if name and version(name) != want:
        sys.exit(1)
PY
then
  echo "reference-data: installing pinned requirements"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
