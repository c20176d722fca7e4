#!/usr/bin/env bash
# Reproduces the SEval-NAS section of docs/RESULTS.md on a 2-core CPU: the memory table (~1 hour, resumable;
# skipped when complete), network checks (~15 min), string embeddings of all 15,625 NB201 networks (~20 min,
# cached), the oracle evaluation (~30 min) and the pooling and head ablations on a fixed 1,200-cell sample (~25 min).
# Usage: bash benchmarks/run_oracle.sh [OUT_DIR]   (default docs/results)
set -euo pipefail
OUT=${1:-docs/results}
W=${WORKERS:-2}
SEEDS=${SEEDS:-5}

clue-nas measure memory --space nb201 --method meta --workers "$W"
python benchmarks/bench_networks.py --out "$OUT/networks"
clue-nas evaluate-oracle --seeds "$SEEDS" --workers "$W" --out "$OUT/oracle" \
    --command-line "clue-nas evaluate-oracle --seeds $SEEDS --workers $W (benchmarks/run_oracle.sh)"
KEY="latency.eyeriss latency.fpga latency.pixel3 latency.raspi4 latency.nats-gpu accuracy.cifar10"
for variant in "chunk16:--chunk-tokens 16" "chunk256:--chunk-tokens 256" "truncate:--pooling truncate"; do
    name=${variant%%:*}; args=${variant#*:}
    # shellcheck disable=SC2086
    clue-nas evaluate-oracle $args --subset 1200 --budgets 100 60/20/20 --metrics $KEY --seeds "$SEEDS" --workers "$W" \
        --out "$OUT/oracle-pooling/$name" \
        --command-line "clue-nas evaluate-oracle $args --subset 1200 --budgets 100 60/20/20 (benchmarks/run_oracle.sh)"
done
# heads on the same sample: ridge alone, MLP alone (the default ensemble is chunk16 above)
for head in ridge mlp; do
    # shellcheck disable=SC2086
    clue-nas evaluate-oracle --head "$head" --subset 1200 --budgets 100 60/20/20 --metrics $KEY --seeds "$SEEDS" --workers "$W" \
        --out "$OUT/oracle-heads/$head" \
        --command-line "clue-nas evaluate-oracle --head $head --subset 1200 --budgets 100 60/20/20 (benchmarks/run_oracle.sh)"
done
python benchmarks/make_results.py "$OUT" --analysis "$OUT/ANALYSIS.md"
