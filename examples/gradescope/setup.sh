#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu): install the tutor.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv
python3 -m venv /opt/tutor
/opt/tutor/bin/pip install backprop-tutor   # or a wheel you put in the zip: /autograder/source/*.whl
ln -sf /opt/tutor/bin/tutor /usr/local/bin/tutor
