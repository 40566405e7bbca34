#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu): install the tutor.
# backprop-tutor is not on PyPI: the zip carries its wheel beside this file (build it with
# `python -m build --wheel`, or `pip wheel --no-deps .`, in a checkout). Its dependencies come from PyPI.
# AUTOGRADER_ROOT, TUTOR_VENV and TUTOR_BIN are only for trying it elsewhere.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
venv="${TUTOR_VENV:-/opt/tutor}"
bin="${TUTOR_BIN:-/usr/local/bin}"
wheel=$(find "$root/source" -maxdepth 1 -name 'backprop_tutor-*.whl' | sort | tail -n 1)
if [ -z "$wheel" ]; then
    echo "setup.sh: no backprop_tutor-*.whl in $root/source: add the wheel to the autograder zip" >&2
    exit 1
fi
python=""   # the tutor needs Python 3.11 or later, with venv (Ubuntu 22.04's python3 is 3.10)
for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null &&
        "$candidate" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    apt-get update
    apt-get install -y python3.11 python3.11-venv
    python=python3.11
fi
"$python" -m venv "$venv"
"$venv/bin/pip" install "$wheel"
mkdir -p "$bin"
ln -sf "$venv/bin/tutor" "$bin/tutor"
