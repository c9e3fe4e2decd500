#!/usr/bin/env bash
# One command for a newcomer: install everything into .venv (and Graphviz when `dot` is missing),
# then run the build on the specs in the repo.   Usage: bash setup.sh [build.py arguments]
set -euo pipefail
cd "$(dirname "$0")"

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
if ! command -v dot >/dev/null 2>&1; then
  echo "setup: Graphviz 'dot' not found, installing it with apt-get" >&2
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq graphviz >/dev/null
fi
# WeasyPrint (build.py cert: the certification pack's PDF) loads Pango >= 1.44 and HarfBuzz through cffi.
libs=$(/sbin/ldconfig -p 2>/dev/null || true)
if ! grep -q 'libpangoft2-1\.0\.so\.0' <<<"$libs" || ! grep -q 'libharfbuzz-subset\.so\.0' <<<"$libs"; then
  echo "setup: Pango or HarfBuzz not found, installing them with apt-get (WeasyPrint needs them)" >&2
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null
fi

py=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

exec .venv/bin/python build.py "$@"
