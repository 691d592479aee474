#!/usr/bin/env bash
# Mutation score of the one-semantics stages: a slow job, run by hand, never in CI.
#   benchmarks/mutation.sh            the functions that decide what is said (resolve.py; why/why-not's core)
#   benchmarks/mutation.sh --all      every function of engine/explain/, engine/pipeline/resolve.py and engine/common/words.py
# Configuration: [tool.mutmut] in pyproject.toml (hypothesis runs 10 examples per mutant: conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install --quiet 'mutmut>=3.3,<4'
rm -rf mutants
if [ "${1:-}" = "--all" ]; then
  patterns=()
else
  patterns=("engine.pipeline.resolve.*" "engine.explain.verdicts.*" "engine.explain.whynot.x_reached*"
            "engine.common.words.x_same_value*" "engine.explain.why.x_own_sentence*")
  for f in resolver reads_decision truth fired_on blocks_on; do
    patterns+=("engine.explain.trace.xǁTraceǁ${f}__mutmut_*")
  done
  for f in why_not _attempt _needs _solutions domain; do
    patterns+=("engine.explain.whynot.xǁWhyNotǁ${f}__mutmut_*")
  done
  for f in why determination firing _gave_way; do
    patterns+=("engine.explain.why.xǁWhyǁ${f}__mutmut_*")
  done
fi
.venv/bin/mutmut run --max-children "${JOBS:-2}" "${patterns[@]}"
.venv/bin/mutmut results --all true | awk '{print $NF}' | sort | uniq -c
