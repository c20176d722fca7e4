#!/usr/bin/env bash
# Reproduces every table and plot of docs/RESULTS.md (about 90 minutes on a 2-core CPU; an interrupted run resumes
# from OUT_DIR/<experiment>/rows.jsonl).
# Usage: bash benchmarks/run_evaluation.sh [OUT_DIR]   (default docs/results)
# On a Ray cluster: BACKEND=ray RAY_ADDRESS=HEAD:6379 WORKERS=64 bash benchmarks/run_evaluation.sh (docs/scaling.md)
set -euo pipefail
OUT=${1:-docs/results}
SEEDS=${SEEDS:-5}
W=${WORKERS:-2}
BACKEND=${BACKEND:-process}
EV="clue-nas evaluate --seeds $SEEDS --workers $W --backend $BACKEND"

$EV --protocol independent --targets nb201-cifar10 nb201-cifar100 nb201-ImageNet16-120 nb101 nb301 \
    --predictors clue clue-0.2 params flops mlp gcn gboost --budgets 5 16 32 50 64 100 128 \
    --out "$OUT/independent" --command-line "$EV --protocol independent ... (benchmarks/run_evaluation.sh)"
$EV --protocol independent --targets nb201-cifar10 \
    --predictors clue clue-no-prior clue-prior-only clue-cv-shrinkage clue-no-text \
                 clue-paper clue-0.2 clue-offsets clue-offsets-onehot clue-offsets-no-alignment clue-offsets-no-confidence \
                 clue-offsets-M3 clue-offsets-M8 clue-offsets-no-rank clue-offsets-no-prune clue-offsets-no-summary \
                 clue-offsets-no-head-norm clue-offsets-argmax clue-0.2-ens5 clue-0.2-no-text clue-0.2-onehot \
    --budgets 5 32 100 --out "$OUT/ablation_nb201" --command-line "$EV ablation on nb201-cifar10 (benchmarks/run_evaluation.sh)"
$EV --protocol independent --targets nb301 --predictors clue clue-first-cell clue-cv-shrinkage clue-0.2 clue-0.2-all-cells clue-0.2-upper-flow clue-paper \
    --budgets 5 32 100 --out "$OUT/ablation_nb301" --command-line "$EV ablation on nb301 (benchmarks/run_evaluation.sh)"
$EV --protocol joint --predictors clue clue-0.2 clue-paper mlp gcn gboost --budgets 5 50 100 \
    --out "$OUT/joint" --command-line "$EV --protocol joint (benchmarks/run_evaluation.sh)"
$EV --protocol cross --predictors clue clue-0.2 clue-paper mlp gcn gboost --budgets 5 50 100 \
    --out "$OUT/cross" --command-line "$EV --protocol cross (benchmarks/run_evaluation.sh)"
