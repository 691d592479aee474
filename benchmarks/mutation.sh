#!/usr/bin/env bash
# Mutation score of the one-semantics stages: a slow job, run by hand, never in CI.
#   benchmarks/mutation.sh            the functions that decide what is said (resolve.py; why/why-not's core)
#   benchmarks/mutation.sh --all      every function of engine/explain.py and engine/resolve.py (≈1,700 mutants)
# Configuration: [tool.mutmut] in pyproject.toml (hypothesis runs 10 examples per mutant: conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install --quiet 'mutmut>=3.3,<4'
rm -rf mutants
if [ "${1:-}" = "--all" ]; then
  patterns=()
else
  patterns=("engine.pipeline.resolve.*" "engine.explain.explainer.x_reached*" "engine.explain.explainer.x_same_value*")
  for f in judge why_not _attempt _failed_tests _holds _gave_way resolver _fired_on _blocks_on _truth \
           _reads_decision _test firing determination why _needs _solutions domain; do
    patterns+=("engine.explain.explainer.xǁExplainerǁ${f}__mutmut_*")
  done
fi
.venv/bin/mutmut run --max-children "${JOBS:-2}" "${patterns[@]}"
.venv/bin/mutmut results --all true | awk '{print $NF}' | sort | uniq -c
