import json
import subprocess
import sys

import pytest

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


def _clue_nas(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "clue_plugins.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_ctrl_c_exits_130_with_one_line_and_evaluate_resumes(tmp_path, data_dir):
    import signal
    import time

    out = tmp_path / "ev"
    args = ["evaluate", "--targets", "nb101", "--predictors", "gboost", "--budgets", "16", "32", "64", "100",
            "--seeds", "4", "--workers", "1", "--out", str(out)]
    proc = _clue_nas(*args)
    rows = out / "rows.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and (not rows.exists() or rows.read_text().count("\n") < 2):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err and "run the same command again" in err
    kept = rows.read_text().count("\n")
    assert 2 <= kept < 16
    with open(rows, "a") as fh:  # a row cut in the middle by a killed writer
        fh.write('{"protocol": "indep')
    again = _clue_nas(*args)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f"resuming: {kept} of 16 tasks" in err and "dropped 1 unreadable line" in err
    data = json.loads((out / "results.json").read_text())
    assert len(data["runs"]) == 16 and {r["budget"] for r in data["runs"]} == {16, 32, 64, 100}
    assert rows.read_text().count("\n") == 16


def test_refused_inputs_exit_2_with_one_line(tmp_path, capsys):
    assert main(["encode", ARCH, "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    (tmp_path / "broken").mkdir()
    pytest.importorskip("nni")
    assert main(["nni-search", "--load", str(tmp_path / "broken"), "--trials", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "config.json is missing" in err
    with pytest.raises(SystemExit) as info:
        main(["network-string", ARCH, "--num-classes", "-5"])
    assert info.value.code == 2 and "must be at least 1" in capsys.readouterr().err
