"""Malformed genotypes get one clear line naming the problem (issue 17, "Bad input"); numpy inputs work."""

import numpy as np
import pytest

from adapters import darts, nb101, nb201, nni, to_spec
from clue_plugins.errors import ClueError, GenotypeError, UnknownNameError, UnknownOpError

ARCH = "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"
INT_DTYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
COMPACT = ([(0, 3), (1, 3), (0, 1), (1, 1), (1, 5), (2, 0), (0, 6), (3, 2)], [(0, 0), (1, 1)] * 4)
DARTS_V2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
            "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
            "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])")


def one_line(err: pytest.ExceptionInfo, limit: int = 400) -> str:
    msg = str(err.value)
    assert isinstance(err.value, ClueError) and "\n" not in msg and len(msg) < limit, msg[:2000]
    return msg


# ---- NB201 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [[2.9, 1, 0, 0, 0, 0], [True, 1, 0, 0, 0, 0], [2, 1, 0, np.float64(4.0), 3, 1],
                                 [2, 1, 0, np.bool_(True), 3, 1], [2, 1, 0, "4", 3, 1], [2, 1, 0, None, 3, 1]])
def test_nb201_op_indices_refuse_floats_bools_and_other_types(bad):
    with pytest.raises(GenotypeError, match="integers 0..4") as err:
        nb201.from_op_indices(bad)
    one_line(err)
    with pytest.raises(GenotypeError, match="integers 0..4"):
        to_spec(bad)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_nb201_op_indices_accept_numpy_integers(dtype):
    idx = [2, 1, 0, 4, 3, 1]
    expected = nb201.from_op_indices(idx)
    assert nb201.from_op_indices(np.array(idx, dtype=dtype)) == expected
    assert to_spec(np.array(idx, dtype=dtype)) == expected
    assert to_spec([dtype(i) for i in idx]) == expected
    assert to_spec(tuple(np.array(idx, dtype=dtype))) == expected


def test_nb201_op_indices_refuse_arrays_that_are_not_1d():
    with pytest.raises(GenotypeError, match="1-D"):
        nb201.from_op_indices(np.zeros((2, 3), dtype=int))


@pytest.mark.parametrize("genotype", ["(2,2,3,0,2,9)", (2, 2, 3, 0, 2, 9), [2, 2, 3, 0, 2, 9], np.array([2, 2, 3, 0, 2, 9])])
def test_six_integers_report_the_nb201_error_not_cannot_tell(genotype):
    with pytest.raises(GenotypeError) as err:
        to_spec(genotype)
    msg = one_line(err)
    assert "op index 9" in msg and "out of range 0..4" in msg and "nor_conv_3x3" in msg and "cannot tell" not in msg


def test_short_integer_tuples_say_how_many_entries_nb201_needs():
    with pytest.raises(GenotypeError, match="6 entries"):
        to_spec("(2, 2, 3, 0, 2)")


def test_nb201_source_index_of_5000_digits_is_a_clear_error():
    arch = ARCH.replace("~0|+|none", "~" + "1" * 5000 + "|+|none", 1)
    with pytest.raises(GenotypeError, match="must come from node 0") as err:
        to_spec(arch)
    one_line(err)


@pytest.mark.parametrize("text", [
    "x" * 1_000_000,
    "|" + "x" * 1_000_000,
    "(" + "1, " * 300_000 + ")",
    ARCH.replace("nor_conv_3x3", "a" * 150_000, 1),
    "Genotype(" + "x" * 150_000 + ")",
])
def test_huge_strings_are_not_echoed_back(text):
    with pytest.raises(ClueError) as err:
        to_spec(text)
    one_line(err)


def test_huge_op_strings_are_cut_in_unknown_op_errors():
    op = "b" * 100_000
    with pytest.raises(UnknownOpError) as err:
        nb201.from_arch_str(ARCH.replace("nor_conv_3x3", op, 1))
    assert "nor_conv_3x3" in one_line(err) and err.value.op == op


def test_nb201_arch_string_without_leading_bar_gets_the_arch_string_error():
    with pytest.raises(GenotypeError, match="must look like"):
        to_spec(ARCH[1:])


# ---- NB101 ------------------------------------------------------------------------------------------------
def test_nb101_key_refuses_negative_and_non_integer_op_ids():
    key = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 2, 1]  # 3 nodes: input -> maxpool -> output, plus input -> output
    assert to_spec(key).cells[0].ops == ("input", "max_pool_3x3", "output")
    for bad in (-1, -5, 5, 1.0, True, None):
        with pytest.raises(GenotypeError, match="op ids") as err:
            nb101.from_key(key[:-2] + [bad, 1])
        one_line(err)


@pytest.mark.parametrize("entry", [1.7, 0.99, 2, -1, None, "1", np.float64(1.0), 1.0])
def test_nb101_matrix_entries_must_be_0_or_1(entry):
    m = [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    m[0][1] = entry
    with pytest.raises(GenotypeError, match="0 or 1") as err:
        nb101.from_matrix_ops(m, ["input", "maxpool3x3", "output"])
    one_line(err)
    with pytest.raises(GenotypeError, match="0 or 1"):
        nb101.from_matrix_ops(np.array(m, dtype=object), ["input", "maxpool3x3", "output"])


def test_nb101_float_arrays_are_refused_not_rounded():
    m = np.array([[0, 0.99, 1], [0, 0, 1.7], [0, 0, 0]])
    with pytest.raises(GenotypeError, match="0.99"):
        nb101.from_matrix_ops(m, ["input", "maxpool3x3", "output"])


@pytest.mark.parametrize("dtype", (bool,) + INT_DTYPES)
def test_nb101_accepts_bool_and_numpy_integer_matrices(dtype):
    m = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    expected = nb101.from_matrix_ops(m, ["input", "maxpool3x3", "output"])
    assert nb101.from_matrix_ops(m.astype(dtype), np.array(["input", "maxpool3x3", "output"])) == expected
    assert to_spec({"matrix": m.astype(dtype), "ops": ("input", "maxpool3x3", "output")}) == expected
    mixed = [[np.int8(0), np.uint64(1), True], [0, np.int64(0), 1], [0, 0, 0]]  # numpy would promote these to float
    assert nb101.from_matrix_ops(mixed, ["input", "maxpool3x3", "output"]) == expected
    key = nb101.to_key(expected)
    assert nb101.from_key(np.array(key, dtype=dtype if dtype is not bool else np.int64)) == expected
    assert to_spec([np.int64(v) for v in key]) == expected
    assert to_spec((m.astype(dtype), ["input", "maxpool3x3", "output"])) == expected  # (matrix, ops) pair


@pytest.mark.parametrize("ops", [None, "input", 3, {"a": 1}])
def test_nb101_ops_must_be_a_list(ops):
    with pytest.raises(GenotypeError, match="list of op names") as err:
        nb101.from_naslib_spec({"matrix": [[0, 1], [0, 0]], "ops": ops})
    one_line(err)
    with pytest.raises(GenotypeError, match="list of op names"):
        to_spec({"matrix": [[0, 1], [0, 0]], "ops": ops})


def test_nb101_missing_keys_and_ragged_matrices():
    with pytest.raises(GenotypeError, match="'matrix'"):
        nb101.from_naslib_spec({"ops": ["input", "output"]})
    with pytest.raises(GenotypeError, match="square 0/1 matrix"):
        nb101.from_matrix_ops([[0, 1], [0]], ["input", "output"])
    with pytest.raises(GenotypeError, match="tuple of ints"):
        nb101.from_key(5)


def test_nni_nb101_samples_with_numpy_values_work():
    sample = {"cell/num_nodes": np.int64(4), "cell/op1": np.str_("conv3x3-bn-relu"), "cell/op2": "maxpool3x3",
              "cell/input1": np.int64(0), "cell/input2": [np.int64(0), np.int64(1)], "cell/input3": np.array([2])}
    plain = {"cell/num_nodes": 4, "cell/op1": "conv3x3-bn-relu", "cell/op2": "maxpool3x3",
             "cell/input1": [0], "cell/input2": [0, 1], "cell/input3": [2]}
    assert nni.from_sample(sample) == nni.from_sample(plain) == to_spec(sample)


@pytest.mark.parametrize("change, message", [
    ({"cell/num_nodes": 3.0}, "must be an integer"),
    ({"cell/num_nodes": True}, "must be an integer"),
    ({"cell/num_nodes": 10**5000}, "num_nodes must be 2..7"),
    ({"cell/input2": [0.5]}, "must be an integer"),
    ({"cell/input2": [5]}, "may only list nodes 0..1"),
    ({"cell/input2": None}, "must be an integer"),
    ({"other/input2": [0]}, "mixes label prefixes"),
])
def test_nni_nb101_bad_values(change, message):
    sample = {"cell/num_nodes": 3, "cell/op1": "maxpool3x3", "cell/input1": [0], "cell/input2": [1]}
    with pytest.raises(GenotypeError, match=message) as err:
        nni.from_sample({**sample, **change})
    one_line(err)


def test_nni_nb101_refuses_unknown_keys_when_the_space_is_given():
    sample = {"cell/num_nodes": 3, "cell/op1": "maxpool3x3", "cell/input1": [0], "cell/input2": [1], "lr": 0.1}
    with pytest.raises(GenotypeError, match="unknown NasBench101 sample key 'lr'"):
        nni.from_sample(sample, space="NasBench101")


# ---- DARTS / NB301 ------------------------------------------------------------------------------------------
def test_nni_darts_key_that_does_not_match_is_a_genotype_error():
    good = nni.to_sample(darts.from_compact(COMPACT))
    with pytest.raises(GenotypeError, match="normal/op_2_0") as err:
        nni.from_sample({**good, "learning_rate": 0.1}, space="DARTS")
    one_line(err)
    with pytest.raises(GenotypeError, match="nodes are 2..5|expected"):
        nni.from_sample({**good, "normal/op_7_0": "skip_connect"}, space="DARTS")


def test_nni_darts_keys_may_carry_a_label_prefix():
    spec = darts.from_compact(COMPACT)
    prefixed = {f"model/{k}": v for k, v in nni.to_sample(spec).items()}
    assert nni.from_sample(prefixed) == spec
    assert nni.from_sample(prefixed, space="DARTS") == spec
    mixed = dict(prefixed)
    mixed["normal/op_2_0"] = mixed.pop("model/normal/op_2_0")
    with pytest.raises(GenotypeError, match="mixes label prefixes"):
        nni.from_sample(mixed, space="DARTS")


def test_nni_darts_numpy_inputs_work():
    spec = darts.from_compact(COMPACT)
    sample = {k: (np.array([np.int64(v[0])]) if isinstance(v, list) else v) for k, v in nni.to_sample(spec).items()}
    assert nni.from_sample(sample) == spec


def test_nni_unknown_space_name():
    with pytest.raises(GenotypeError, match="unsupported NNI model space"):
        nni.from_sample({"cell/0_1": "none"}, space="NasBench999")
    with pytest.raises(GenotypeError, match="non-empty dict"):
        nni.from_sample([], space="DARTS")


def test_nni_nb201_values_that_are_not_strings():
    sample = {f"cell/{i}_{j}": "conv_3x3" for i, j in nb201.EDGES}
    for bad in (np.array(["conv_3x3"]), ["conv_3x3"], 3, None):
        with pytest.raises(UnknownOpError):
            nni.from_sample({**sample, "cell/0_1": bad})


@pytest.mark.parametrize("compact, message", [
    (([(0.0, 3)] + COMPACT[0][1:], COMPACT[1]), "can read nodes 0..1 \\(an integer\\), got input 0.0"),
    (([(True, 3)] + COMPACT[0][1:], COMPACT[1]), "got input True"),
    (([(0, 3.0)] + COMPACT[0][1:], COMPACT[1]), "op index must be an integer"),
    (([(0, False)] + COMPACT[0][1:], COMPACT[1]), "op index must be an integer"),
    (([(0, 10**5000)] + COMPACT[0][1:], COMPACT[1]), "op index must be an integer"),
    (([(0, -1)] + COMPACT[0][1:], COMPACT[1]), "op index"),
    (([(5, 3)] + COMPACT[0][1:], COMPACT[1]), "can read nodes 0..1"),
    (([(0, 3, 1)] + COMPACT[0][1:], COMPACT[1]), "\\(input node, op index\\) pairs"),
    ((COMPACT[0], COMPACT[1], COMPACT[1]), "got 3 parts"),
    ((COMPACT[0][:7], COMPACT[1]), "8 \\(input, op\\) pairs"),
    ((COMPACT[0] + [(0, 1)], COMPACT[1]), "8 \\(input, op\\) pairs"),
    ((COMPACT[0], "abcdefgh"), "must be a list or tuple"),
    (None, "must be a list or tuple"),
])
def test_bad_nb301_compacts(compact, message):
    with pytest.raises(GenotypeError, match=message) as err:
        darts.from_compact(compact)
    one_line(err)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_nb301_compact_accepts_numpy_integers(dtype):
    expected = darts.from_compact(COMPACT)
    assert darts.from_compact(np.array(COMPACT, dtype=dtype)) == expected
    assert to_spec(np.array(COMPACT, dtype=dtype)) == expected
    assert to_spec([[(dtype(i), dtype(o)) for i, o in cell] for cell in COMPACT]) == expected


@pytest.mark.parametrize("text, message", [
    (DARTS_V2.replace("('sep_conv_3x3', 1)", "('sep_conv_3x3', 1.0)", 1), "an integer"),
    (DARTS_V2.replace("('sep_conv_3x3', 1)", "('sep_conv_3x3', True)", 1), "an integer"),
    (DARTS_V2.replace("('sep_conv_3x3', 1)", "('sep_conv_3x3', 7)", 1), "can read nodes 0..1"),
    (DARTS_V2.replace("('sep_conv_3x3', 1)", "('sep_conv_3x3',)", 1), "\\(op, input\\) pairs"),
    (DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=5"), "concatenate nodes 2..5"),
    (DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=__import__('os')"), "only literals"),
    (DARTS_V2.replace("reduce_concat", "extra"), "fields must be"),
    ("Genotype(" + "[" * 3000 + "]" * 3000 + ")", "malformed"),
])
def test_bad_darts_genotype_strings(text, message):
    with pytest.raises(GenotypeError, match=message) as err:
        to_spec(text)
    one_line(err)


def test_darts_genotype_strings_printed_by_the_search_code_are_read():
    spec = darts.from_genotype_str(DARTS_V2)
    assert darts.from_genotype_str(DARTS_V2.replace("[2, 3, 4, 5]", "range(2, 6)")) == spec
    positional = "Genotype(" + ", ".join(repr(v) for v in darts.to_genotype(spec)) + ")"
    assert to_spec(positional) == spec


# ---- to_spec dispatch -----------------------------------------------------------------------------------------
def test_to_spec_space_argument():
    with pytest.raises(UnknownNameError, match="nb101, nb201, nb301"):
        to_spec(ARCH, space="nb999")
    with pytest.raises(GenotypeError, match="space='nb101' was asked"):
        to_spec(ARCH, space="nb101")
    assert to_spec(ARCH, space="nasbench201") == to_spec(ARCH)


@pytest.mark.parametrize("junk", [None, 3, 2.5, True, b"bytes", {1, 2}, object(), np.float64(1.0), np.array(3),
                                  [[[[]]]], "", "   ", "hello", "{'a': 1}", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"])
def test_junk_is_a_one_line_genotype_error(junk):
    with pytest.raises(GenotypeError) as err:
        to_spec(junk)
    one_line(err)


@pytest.mark.parametrize("text", ["(1e9abc, 2, 3, 4, 5, 6)", "('\\d', 1)", "Genotype(normal=[('\\d', 0x1for)])", "[0x1for x in y]"])
def test_parsing_genotype_text_prints_no_compiler_warnings(text):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(GenotypeError):
            to_spec(text)
    assert not caught, [str(w.message) for w in caught]
