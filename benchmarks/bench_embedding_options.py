"""First-time text embedding of NB201 prompts: the package's path next to the ways of making it faster that issue 20
lists, each with its speed and its largest cosine distance to the package's embeddings (the bar: 1e-3).

Options measured on the same prompts (a seeded sample of NB201 cells, never cached):

- ``package``: ``TextEncoder.encode`` as the package runs it (batches of 64 written to an empty cache).
- ``one sorted call``: one sentence-transformers call over every prompt (it sorts by length: least padding).
- ``bf16 weights``: the same model with bfloat16 weights and activations (this CPU has AVX512-BF16).
- ``int8 dynamic``: ``torch.ao.quantization.quantize_dynamic`` on every Linear layer.
- ``onnxruntime fp32``: the model exported to ONNX and run by ONNX Runtime (needs ``onnx`` and ``onnxruntime``;
  the row says when they are missing).

Usage: python benchmarks/bench_embedding_options.py [--sample 600] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time
import warnings

import numpy as np


def _cosine_gap(a: np.ndarray, b: np.ndarray) -> float:
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    return float((1.0 - cos).max())


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return np.asarray(out, dtype=np.float32), time.perf_counter() - t0


def _onnx_runner(st_model, prompts: list[str], folder: str):
    """An ONNX Runtime session of the sentence-transformer (mean pooling and normalisation inside the graph)."""
    import onnxruntime as ort
    import torch

    bert, tok = st_model[0].auto_model.eval(), st_model.tokenizer

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids, mask):
            h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(h.dtype)
            return torch.nn.functional.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=1)

    enc = tok(prompts[:4], padding=True, return_tensors="pt")
    path = os.path.join(folder, "minilm.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(), (enc["input_ids"], enc["attention_mask"]), path, input_names=["ids", "mask"],
                          output_names=["emb"], dynamic_axes={"ids": {0: "b", 1: "s"}, "mask": {0: "b", 1: "s"}},
                          opset_version=17, dynamo=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def run() -> np.ndarray:
        order = np.argsort([len(p) for p in prompts], kind="stable")
        out = np.zeros((len(prompts), 384), np.float32)
        for i in range(0, len(prompts), 64):
            idx = order[i : i + 64]
            batch = tok([prompts[j] for j in idx], padding=True, return_tensors="np")
            out[idx] = session.run(None, {"ids": batch["input_ids"].astype(np.int64),
                                          "mask": batch["attention_mask"].astype(np.int64)})[0]
        return out

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=600)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    import torch

    from clue_plugins import data
    from clue_plugins.text.encoders import MiniLMEncoder

    table = data.load_nb201()
    picks = np.random.default_rng(0).choice(len(table.specs), args.sample, replace=False)
    prompts = [table.specs[i].without_dead_ops().prompt() for i in picks]
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
          f"{args.sample} NB201 prompts\n")
    print("| threads | option | prompts/s | x package | max 1 - cos vs package |\n|---|---|---|---|---|")
    before = torch.get_num_threads()
    for threads in args.threads:
        torch.set_num_threads(threads)
        encoder = MiniLMEncoder()
        model = encoder.load_model()
        model.encode(prompts[:8])  # warm
        with tempfile.TemporaryDirectory() as cache:
            os.environ["CLUE_CACHE_DIR"] = cache  # this script's own process: an empty cache
            ref, dt_ref = _timed(lambda: encoder.encode(prompts, progress=False))
        rows = [("package", ref, dt_ref)]
        rows.append(("one sorted call", *_timed(lambda: model.encode(prompts, batch_size=64))))
        bf16 = copy.deepcopy(model).to(torch.bfloat16)
        rows.append(("bf16 weights", *_timed(lambda: bf16.encode(prompts, batch_size=64, convert_to_tensor=True).float().numpy())))
        int8 = copy.deepcopy(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.ao.quantization.quantize_dynamic(int8, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        rows.append(("int8 dynamic", *_timed(lambda: int8.encode(prompts, batch_size=64))))
        try:
            with tempfile.TemporaryDirectory() as folder:
                run = _onnx_runner(model, prompts, folder)
                rows.append(("onnxruntime fp32", *_timed(run)))
        except ImportError as exc:
            print(f"| {threads} | onnxruntime fp32 | not measured: {exc} | | |")
        for name, vectors, dt in rows:
            print(f"| {threads} | {name} | {len(prompts) / dt:.0f} | {dt_ref / dt:.2f} | {_cosine_gap(vectors, ref):.1e} |",
                  flush=True)
    torch.set_num_threads(before)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
