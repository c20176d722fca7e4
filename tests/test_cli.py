import json
import subprocess
import sys

from clue_plugins.cli import main

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_encode_to_file(tmp_path):
    out = tmp_path / "rep.json"
    assert main(["encode", ARCH, "--vectors", "-o", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert rep["space"] == "nb201" and rep["prompt"].startswith("The architecture has 8 nodes")
    assert len(rep["flow_vector"]) == 320 and len(rep["op_metric_vector"]) == 128


def test_encode_many_forms(capsys):
    assert main(["encode", "(0, 2, 3, 2, 3, 1)", "--space", "nb201"]) == 0
    assert json.loads(capsys.readouterr().out)["space"] == "nb201"
    compact = "[[(0, 0), (1, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], [(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]"
    assert main(["encode", compact]) == 0
    assert json.loads(capsys.readouterr().out)["space"] == "nb301"


def test_bad_genotype_is_a_clear_error_not_a_traceback(capsys):
    assert main(["encode", "|nor_conv_3x3~0|+|bogus~0|"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("clue-nas: error:") and "Traceback" not in err


def test_summary_and_verify(data_dir, capsys):
    assert main(["summary", "--spaces", "nb201"]) == 0
    out = capsys.readouterr().out
    assert "15625 architectures" in out and "best 94.37" in out
    assert main(["data", "verify"]) == 0


def test_ops_table_shows_stored_table(capsys):
    assert main(["ops-table"]) == 0
    assert "conv_3x3" in capsys.readouterr().out


def test_console_script_entry_point():
    res = subprocess.run([sys.executable, "-m", "clue_plugins.cli", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "encode" in res.stdout


def test_evaluate_writes_json_markdown_and_plots(tmp_path, data_dir, capsys):
    out = tmp_path / "ev"
    assert main(["evaluate", "--targets", "nb101", "--predictors", "params", "gboost", "--budgets", "16", "32",
                 "--seeds", "2", "--workers", "1", "--out", str(out)]) == 0
    data = json.loads((out / "results.json").read_text())
    assert {s["predictor"] for s in data["summary"]} == {"params", "gboost"}
    assert all(r["n_train"] in (16, 32) for r in data["runs"])
    assert "| gboost |" in (out / "results.md").read_text()
    assert list(out.glob("rho_vs_budget_*.png"))


def test_text_encoders_list(capsys):
    assert main(["text-encoders", "list"]) == 0
    assert "minilm" in capsys.readouterr().out


def test_network_string_with_stats(capsys):
    assert main(["network-string", ARCH, "--stats"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("0_Input 1_Convolution[f16,k3x3,s1](0)")
    assert "params 0.802426 M" not in captured.out and "FLOPs" in captured.err


def test_measure_memory_writes_the_table(data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "mem.csv"
    assert main(["measure", "memory", "--limit", "2", "--workers", "1", "--out", str(out)]) == 0
    assert "2 cells" in capsys.readouterr().out
    import torch

    code = main(["measure", "memory", "--method", "cuda", "--limit", "2", "--out", str(out)])
    if torch.cuda.is_available():
        assert code == 0 and "cuda_mb" in out.read_text()
    else:
        assert code == 2 and "needs a CUDA GPU" in capsys.readouterr().err


def test_evaluate_oracle_refuses_unknown_metric(data_dir, capsys):
    assert main(["evaluate-oracle", "--metrics", "latency.toaster", "--subset", "20", "--out", "/nonexistent/x"]) == 2
    assert "unknown oracle metric" in capsys.readouterr().err
