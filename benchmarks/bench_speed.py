"""Speed of the hot paths, each next to a reference measured in the same run (so the ratio holds on a noisy machine).

Sections (``--only`` picks some):

- ``fit``: CLUE-NAS fit on 100 and 1,000 NB201 cells (cached text embeddings) vs scikit-learn's ``MLPRegressor`` of
  the same width (256) on the same features, and vs the previous training arithmetic, bit-exact with the old code (``--no-exact`` skips it).
- ``predict``: CLUE-NAS predict on all 15,625 NB201 cells (first call after loading, and again: memoised per-cell
  work) vs ``MLPRegressor.predict`` on the same features.
- ``threads``: the same 100-cell fit idle and next to one CPU-bound process, with the package's thread choice
  and with two torch threads forced; wall time, CPU time and their ratio.
- ``strings``: SEval string of NB201, NB101 and NB301 benchmark networks (``spec_string``: build, trace, walk),
  seconds per network, vs the full build + trace (``network_string(build_network(spec))``).
- ``trials``: our code's per-trial overhead (median, p90, p99) inside NNI (``SurrogateEvaluator.evaluate``, NNI's
  report call stubbed) and NASLib (the predicted ``dataset_api``'s NB201 lookup by arch string), each trial a new cell.
- ``embed``: first-time MiniLM embedding of NB201 prompts into an empty cache folder (a sample), prompts per second.

Medians of ``--repeats`` runs; torch runs on one thread unless the section says otherwise.

Usage: python benchmarks/bench_speed.py [--repeats 3] [--only fit predict threads strings trials embed]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time


def _median(values):
    return statistics.median(values)


def _row(step, ours, ref, ref_name, target=""):
    ratio = f"{ours / ref:.2f}" if ref else ""
    print(f"| {step} | {ours:.3f} | {ref_name} {ref:.3f} | {ratio} | {target} |", flush=True)


def _features(model, specs):
    import numpy as np

    from clue_plugins.predictors.clue import _features

    flows, ops, text = _features(model.get_config(), specs)
    return np.concatenate([flows, ops, text], axis=1)


def bench_fit(repeats: int, fast_vs_exact: bool, sizes=(100, 1000)) -> None:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    from clue_plugins import data
    from clue_plugins.predictors import clue as C

    table = data.load_nb201()
    y = table.column("cifar10.test_acc")
    for n in sizes:
        specs, labels = table.specs[:n], y[:n]
        C.CLUEPredictor().fit(specs[:2], labels[:2])  # imports, encoder and caches warm
        ours, single, ref, exact = [], [], [], []
        one = dict(C.LEGACY_OPTIONS)  # the single network (0.2's default)
        X = _features(C.CLUEPredictor(), specs)
        for r in range(repeats):
            t0 = time.perf_counter()
            C.CLUEPredictor(seed=r).fit(specs, labels)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            C.CLUEPredictor(seed=r, **one).fit(specs, labels)
            single.append(time.perf_counter() - t0)
            if fast_vs_exact:  # the previous training arithmetic (C._FAST = False), bit for bit
                C._FAST = False
                try:
                    t0 = time.perf_counter()
                    C.CLUEPredictor(seed=r, **one).fit(specs, labels)
                    exact.append(time.perf_counter() - t0)
                finally:
                    C._FAST = True
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                t0 = time.perf_counter()
                MLPRegressor(hidden_layer_sizes=(256,), random_state=r).fit(X, labels)  # sklearn's default 200 iters
                ref.append(time.perf_counter() - t0)
        target = "< 3 s" if n == 100 else "< 15 s"
        _row(f"CLUE fit, {n} NB201 cells (default: prior + 3 networks)", _median(ours), _median(ref),
             "sklearn MLPRegressor(256) fit", target)
        _row(f"CLUE fit, {n} NB201 cells, one network (LEGACY_OPTIONS)", _median(single), _median(ref),
             "sklearn MLPRegressor(256) fit", target)
        if exact:
            _row(f"CLUE fit, {n} NB201 cells, one network", _median(single), _median(exact),
                 "0.2.0 arithmetic (foreach Adam, denormals flushed: bit-exact with 0.2.0)", target)


def bench_predict(repeats: int) -> None:
    from clue_plugins import data
    from clue_plugins.predictors.clue import LEGACY_OPTIONS, CLUEPredictor

    table = data.load_nb201()
    y = table.column("cifar10.test_acc")

    for label, options in (("default", {}), ("one network", LEGACY_OPTIONS)):
        _bench_predict_model(CLUEPredictor(seed=0, **options).fit(table.specs[:100], y[:100]), label, table, y, repeats)


def _bench_predict_model(model, label: str, table, y, repeats: int) -> None:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    model.embed_texts(table.specs)  # text embeddings cached on disk (first run only)
    from clue_plugins.spec import ArchSpec

    firsts, again = [], []
    for _ in range(repeats):
        fresh = [ArchSpec(s.space, s.cells) for s in table.specs]  # new spec objects: no per-spec memo
        t0 = time.perf_counter()
        model.predict(fresh)
        firsts.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.predict(fresh)
        again.append(time.perf_counter() - t0)
    X = _features(model, fresh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(hidden_layer_sizes=(256,), max_iter=5, random_state=0).fit(X[:100], y[:100])
    ref = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        mlp.predict(X)
        ref.append(time.perf_counter() - t0)
    _row(f"CLUE predict ({label}), all 15,625 NB201 cells, new ArchSpec objects (cell memo warm)", _median(firsts), _median(ref),
         "sklearn MLPRegressor(256) predict", "< 0.5 s")
    _row(f"CLUE predict ({label}), all 15,625 NB201 cells, same objects again", _median(again), _median(ref),
         "sklearn MLPRegressor(256) predict", "< 0.5 s")


def _spin(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def _timed_fit(threads: int | None) -> tuple[float, float]:
    import torch

    from clue_plugins import data
    from clue_plugins.predictors.clue import CLUEPredictor

    table = data.load_nb201()
    y = table.column("cifar10.test_acc")
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
        os.environ["CLUE_TORCH_THREADS"] = "0"  # the caller's setting wins
    try:
        w0, c0 = time.perf_counter(), time.process_time()
        CLUEPredictor(seed=0).fit(table.specs[:100], y[:100])
        return time.perf_counter() - w0, time.process_time() - c0
    finally:
        os.environ.pop("CLUE_TORCH_THREADS", None)
        torch.set_num_threads(before)


def bench_threads(repeats: int) -> None:
    from clue_plugins import data
    from clue_plugins.predictors.clue import CLUEPredictor

    table = data.load_nb201()
    CLUEPredictor().fit(table.specs[:2], table.column("cifar10.test_acc")[:2])
    for label, threads in (("package's choice", None), ("2 torch threads forced", 2)):
        idle = [_timed_fit(threads) for _ in range(repeats)]
        ctx = mp.get_context("spawn")
        stop = ctx.Event()
        spinner = ctx.Process(target=_spin, args=(stop,), daemon=True)
        spinner.start()
        try:
            time.sleep(0.5)
            busy = [_timed_fit(threads) for _ in range(repeats)]
        finally:
            stop.set()
            spinner.join(10)
        wi, ci = _median([w for w, _ in idle]), _median([c for _, c in idle])
        wb, cb = _median([w for w, _ in busy]), _median([c for _, c in busy])
        print(f"| fit 100 cells, {label} | idle wall {wi:.2f} s cpu {ci:.2f} s | next to 1 CPU-bound process: "
              f"wall {wb:.2f} s cpu {cb:.2f} s | slowdown {wb / wi:.2f}x |", flush=True)


def bench_strings(repeats: int) -> None:
    from clue_plugins import data
    from clue_plugins.networks import build_network
    from clue_plugins.networks.strings import network_string, spec_string

    for space, table in (("NB201", data.load_nb201()), ("NB101", data.load_nb101_zc()), ("NB301", data.load_nb301_zc())):
        specs = table.specs[:: max(1, len(table.specs) // 40)][:40]
        network_string(build_network(specs[0]))
        spec_string(specs[0])
        ours, ref = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for s in specs:
                spec_string(s)  # what spec_strings runs per network
            ours.append((time.perf_counter() - t0) / len(specs))
            t0 = time.perf_counter()
            for s in specs:
                network_string(build_network(s))  # full build (weights initialised) + trace
            ref.append((time.perf_counter() - t0) / len(specs))
        _row(f"SEval string of an {space} network (spec_string), {len(specs)} networks, s per network", _median(ours),
             _median(ref), "network_string(build_network(spec))", "< 15 ms")


def _quantiles(values):
    import numpy as np

    ms = 1000 * np.asarray(values)
    return float(np.median(ms)), float(np.percentile(ms, 90)), float(np.percentile(ms, 99))


def bench_trials(repeats: int, trials: int = 300) -> None:
    """Our code's cost per trial, each trial a new architecture (the surrogate's memo does not answer it)."""
    from clue_plugins import data
    from clue_plugins.surrogate import fit_accuracy_model

    table = data.load_nb201()
    model = fit_accuracy_model("nb201", 100, seed=0)
    specs = table.specs[100 : 100 + trials * repeats]
    model.predict(specs[:1])
    rows = []
    try:  # NNI side: SurrogateEvaluator.evaluate (sample dict -> spec -> metrics -> objective -> record), NNI's report stubbed
        import nni

        from adapters.nni import to_sample
        from clue_plugins.nni import SurrogateEvaluator

        samples = [to_sample(s) for s in specs]
        report, nni.report_final_result = nni.report_final_result, lambda *a, **k: None
        try:
            ev = SurrogateEvaluator(model)
            ev.evaluate(to_sample(table.specs[0]))
            times = []
            for sample in samples:
                t0 = time.perf_counter()
                ev.evaluate(sample)
                times.append(time.perf_counter() - t0)
        finally:
            nni.report_final_result = report
        rows.append(("NNI SurrogateEvaluator.evaluate", times))
    except ImportError as exc:
        print(f"| NNI per-trial | skipped: {exc} |")
    # NASLib side (NASLib itself need not be installed): the arch-string path of the predicted dataset_api's NB201
    # lookup, arch string -> ArchSpec -> Surrogate.metrics (what nb201_data[arch_str] runs before building its dict)
    from adapters.nb201 import from_arch_str, to_arch_str
    from clue_plugins.surrogate import Surrogate

    surrogate = Surrogate(model)
    strings = [to_arch_str(s) for s in specs]
    surrogate.metrics(from_arch_str(to_arch_str(table.specs[0])))
    times = []
    for arch in strings:
        t0 = time.perf_counter()
        surrogate.metrics(from_arch_str(arch))
        times.append(time.perf_counter() - t0)
    rows.append(("NASLib-side arch string -> spec -> Surrogate.metrics", times))
    for label, times in rows:
        med, p90, p99 = _quantiles(times)
        print(f"| per-trial overhead, {label}, {len(times)} new cells | median {med:.2f} ms, p90 {p90:.2f} ms, "
              f"p99 {p99:.2f} ms | reference: CLUEPredictor.predict of one new spec "
              f"{1000 * _one_predict(model, table.specs[100 + len(times):]):.2f} ms (median) | target < 2 ms |", flush=True)


def _one_predict(model, specs, n: int = 100) -> float:
    from clue_plugins.spec import ArchSpec

    times = []
    for s in specs[:n]:
        fresh = ArchSpec(s.space, s.cells)
        t0 = time.perf_counter()
        model.predict([fresh])
        times.append(time.perf_counter() - t0)
    return _median(times)


def bench_embed(sample: int) -> None:
    from clue_plugins import data
    from clue_plugins.predictors.clue import CLUEPredictor

    table = data.load_nb201()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["CLUE_CACHE_DIR"] = cache
        model = CLUEPredictor()
        model.embed_texts(table.specs[:2])  # load the model
        specs = table.specs[2 : 2 + sample]
        t0 = time.perf_counter()
        model.embed_texts(specs, progress=False)
        dt = time.perf_counter() - t0
    print(f"| first-time MiniLM embedding, {sample} NB201 prompts | {dt:.2f} s | {sample / dt:.0f} prompts/s "
          f"| all 15,625 at this rate: {15625 / (sample / dt):.0f} s |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=["fit", "predict", "threads", "strings", "trials", "embed"])
    parser.add_argument("--embed-sample", type=int, default=1000)
    parser.add_argument("--fit-sizes", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--no-exact", action="store_true", help="skip the previous-arithmetic fit reference")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start, "
          f"repeats {args.repeats}\n")
    print("| step | ours (s) | reference (s) | ours / reference | target |\n|---|---|---|---|---|")
    if "fit" in args.only:
        bench_fit(args.repeats, not args.no_exact, args.fit_sizes)
    if "predict" in args.only:
        bench_predict(args.repeats)
    if "threads" in args.only:
        bench_threads(args.repeats)
    if "strings" in args.only:
        bench_strings(args.repeats)
    if "trials" in args.only:
        bench_trials(args.repeats)
    if "embed" in args.only:
        bench_embed(args.embed_sample)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
