#!/usr/bin/env bash
# Mutation score of the explanation stages (engine/explain.py, engine/resolve.py): a slow job, run by hand.
# Configuration: [tool.mutmut] in pyproject.toml. Prints the summary; `mutmut results` lists survivors.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install --quiet 'mutmut>=3.3,<4'
rm -rf mutants
.venv/bin/mutmut run --max-children "${JOBS:-2}" "$@"
.venv/bin/mutmut results --all true | awk '{print $NF}' | sort | uniq -c
