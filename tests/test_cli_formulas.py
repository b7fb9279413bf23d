"""`tinygrad-edu graph` speaks to someone who writes maths, not Python: x^2 and 2x get their fix, a
binding is read like the formula (ﬁ=3 is fi), and a formula outside a function's domain (log(-1),
sqrt(-1), log(0), 1/0) is an answer "undefined", said in one line with status 1, not nan and status 0."""

import re

import pytest

from nn.cli import main
from nn.cli.expression import ExpressionError, build, parse_bindings


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("formula, fix", [("x^2", "write 'x**2' for powers"),
                                          ("x^2 + 1", "write 'x**2 + 1' for powers"),
                                          ("2x + 1", "write 2*x for 2x"),
                                          ("tanh(0.5w)", "write 0.5*w for 0.5w")])
def test_the_parser_says_how_maths_is_written_in_a_formula(formula, fix):
    with pytest.raises(ExpressionError, match=re.escape(fix)):
        build(formula, {"x": 1.0, "w": 2.0})


def test_a_number_in_e_notation_is_not_a_product():
    with pytest.raises(ExpressionError) as caught:
        build("1e5x", {"x": 1.0})
    assert "write" not in str(caught.value)


def test_bindings_are_normalised_like_the_formula():
    assert parse_bindings(["ﬁ=3"]) == {"fi": 3.0}                 # NFKC, as Python reads the formula's ﬁ
    root, leaves = build("ﬁ*2", parse_bindings(["ﬁ=3"]))
    assert root.data == 6.0 and list(leaves) == ["fi"]


@pytest.mark.parametrize("argv, said", [
    (["log(x)", "x=-1"], "log(-1) is not defined (nan): log is defined for x > 0 only"),
    (["sqrt(x)", "x=-1"], "sqrt(-1) is not defined (nan): sqrt is defined for x ≥ 0 only"),
    (["log(x)", "x=0"], "log(0) = -inf: an infinite value"),
    (["1/x", "x=0"], "1 / 0 = inf: an infinite value, not a number to take gradients of (division by 0)"),
    (["tanh(log(x*w) + 1)", "x=-1", "w=2"], "in log(x * w), log(-2) is not defined"),
    (["exp(x)", "x=1000"], "exp(1000) = inf: an infinite value"),
])
def test_graph_outside_a_functions_domain_says_which_and_exits_1(argv, said, tmp_path, capsys):
    code, out, err = run(capsys, "graph", *argv, "--out", tmp_path / "g.gv")
    assert code == 1, (out, err)
    assert err.count("\n") == 1 and err.startswith("tinygrad-edu: error: ") and said in err, err
    assert "nan" not in out and not (tmp_path / "g.gv").exists()
