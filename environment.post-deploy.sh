#!/bin/sh
# Installs this package into the active conda environment (Snakemake runs this file after building a rule's
# environment from environment.yml under --sdm conda; run it by hand after `conda env create -f environment.yml`).
# The package is found from this script's own folder, so it works whatever the working directory.
set -eu
pip install --no-deps -e "$(cd "$(dirname "$0")" && pwd)"
