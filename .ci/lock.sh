#!/usr/bin/env bash
# Regenerate constraints.txt, the pinned environment that .ci/run and the README's install commands use:
# a clean virtual environment, the README's install, then `pip freeze`. torch's local build tag (+cpu, +cu128)
# is dropped so that the same file pins the CPU and the CUDA build; CUDA-only wheels are left to torch.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
. "$scratch/venv/bin/activate"
pip install --quiet torch==2.13.0
pip install --quiet -e '.[test]'
{
    echo "# Pinned environment (pip constraints) of a clean install of this project with its test extras."
    echo "# Regenerate with: bash .ci/lock.sh   (last: $(date -u +%F), Python $(python -c 'import platform; print(platform.python_version())'))"
    pip freeze --exclude-editable | sed -E 's/^(torch==[^+]*)\+.*/\1/' | grep -Ev '^(nvidia-|triton==)'
} > constraints.txt
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"
