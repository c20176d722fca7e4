#!/usr/bin/env bash
# Reproduces the SEval-NAS section of docs/RESULTS.md on a 2-core CPU: the memory table (~1 hour, resumable;
# skipped when complete), network checks (~15 min), string embeddings of all 15,625 NB201 networks (~20 min,
# cached), the oracle evaluation (~3 min), the feature ablation (~11 min: text embedding vs node-type counts vs both)
# and the pooling and head ablations of the embedding on a fixed 1,200-cell sample (~7 min; chunk-256 and truncated
# embeddings of those cells are computed on first use).
# Usage: bash benchmarks/run_oracle.sh [OUT_DIR]   (default docs/results)
set -euo pipefail
OUT=${1:-docs/results}
W=${WORKERS:-2}
BACKEND=${BACKEND:-process}   # BACKEND=ray RAY_ADDRESS=HEAD:6379 runs the fan-out on a Ray cluster (docs/scaling.md)
SEEDS=${SEEDS:-5}

clue-nas measure memory --space nb201 --method meta --workers "$W" --backend "$BACKEND"
python benchmarks/bench_networks.py --out "$OUT/networks"
clue-nas evaluate-oracle --seeds "$SEEDS" --workers "$W" --backend "$BACKEND" --out "$OUT/oracle" \
    --command-line "clue-nas evaluate-oracle --seeds $SEEDS --workers $W (benchmarks/run_oracle.sh)"
ABL="latency.eyeriss latency.fpga latency.pixel3 latency.raspi4 latency.pixel2 latency.samsung_a50 latency.silver_4114 latency.nats-gpu memory accuracy.cifar10"
# shellcheck disable=SC2086
for f in embedding tokens tokens+embedding; do
    clue-nas evaluate-oracle --features "$f" --budgets 10 100 1000 60/20/20 --metrics $ABL --seeds "$SEEDS" --workers "$W" --backend "$BACKEND" \
        --out "$OUT/oracle-features/$f" \
        --command-line "clue-nas evaluate-oracle --features $f --budgets 10 100 1000 60/20/20 (benchmarks/run_oracle.sh)"
done
# the embedding itself: pooling and heads (features=embedding on every metric)
KEY="latency.eyeriss latency.fpga latency.pixel3 latency.raspi4 latency.nats-gpu accuracy.cifar10"
for variant in "chunk16:--chunk-tokens 16" "chunk256:--chunk-tokens 256" "truncate:--pooling truncate"; do
    name=${variant%%:*}; args=${variant#*:}
    # shellcheck disable=SC2086
    clue-nas evaluate-oracle --features embedding $args --subset 1200 --budgets 100 60/20/20 --metrics $KEY --seeds "$SEEDS" --workers "$W" --backend "$BACKEND" \
        --out "$OUT/oracle-pooling/$name" \
        --command-line "clue-nas evaluate-oracle --features embedding $args --subset 1200 --budgets 100 60/20/20 (benchmarks/run_oracle.sh)"
done
# heads on the same sample: ridge alone, MLP alone (the default ensemble is chunk16 above)
for head in ridge mlp; do
    # shellcheck disable=SC2086
    clue-nas evaluate-oracle --features embedding --head "$head" --subset 1200 --budgets 100 60/20/20 --metrics $KEY --seeds "$SEEDS" --workers "$W" --backend "$BACKEND" \
        --out "$OUT/oracle-heads/$head" \
        --command-line "clue-nas evaluate-oracle --features embedding --head $head --subset 1200 --budgets 100 60/20/20 (benchmarks/run_oracle.sh)"
done
python benchmarks/make_results.py "$OUT" --analysis "$OUT/ANALYSIS.md"
# accuracy heads with and without their prior blend, on a fixed 2,000-cell sample (~10 min)
for prior in auto none; do
    clue-nas evaluate-oracle --accuracy-prior "$prior" --metrics accuracy.cifar10 accuracy.cifar100 accuracy.ImageNet16-120 \
        --subset 2000 --budgets 10 50 100 1000 --seeds "$SEEDS" --workers "$W" --backend "$BACKEND" \
        --out "$OUT/oracle-accuracy-prior/$prior" \
        --command-line "clue-nas evaluate-oracle --accuracy-prior $prior --subset 2000 --budgets 10 50 100 1000 (benchmarks/run_oracle.sh)"
done
