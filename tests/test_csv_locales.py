"""An Indonesian Excel CSV (';' between values, ',' as the decimal mark) is read as numbers, saying so,
not turned into one category per value; a column mixing both marks is refused; an ID column (a
student's nim) used as a feature gets a warning naming it and drop=."""

import numpy as np
import pytest

from nn.cli import main
from nn.datasets import load_csv

ROWS = 24
# nim: a student number, different in every row; jam_belajar, ipk: hours of study and grade point average
EXCEL_ID = "nim;jam_belajar;ipk;lulus\n" + "".join(
    f"{2021010000 + i};{i % 7},{i % 10};{2 + (i % 5) * 0.4:.2f};{int(i % 7 >= 3)}\n".replace(".", ",", 1)
    for i in range(ROWS))


def write(tmp_path, text, name="nilai.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_indonesian_excel_csv_is_read_as_numbers_saying_so(tmp_path, capsys):
    table = load_csv(write(tmp_path, EXCEL_ID), "lulus", drop=["nim"])
    assert table.feature_names == ["jam_belajar", "ipk"]            # not jam_belajar_0,1, jam_belajar_0,2, ...
    assert table.X[1].tolist() == [1.1, 2.4]
    out = capsys.readouterr().out
    said = [line for line in out.splitlines() if "decimal comma" in line]
    assert len(said) == 1 and "(jam_belajar, ipk)" in said[0] and "decimal=','" in said[0], out


def test_decimal_comma_can_be_given(tmp_path, capsys):
    table = load_csv(write(tmp_path, EXCEL_ID), "lulus", drop=["nim"], decimal=",")
    assert table.X[1].tolist() == [1.1, 2.4]
    assert "decimal comma" not in capsys.readouterr().out            # said by the caller, nothing to report
    tab = write(tmp_path, "x\ty\tc\n" + "".join(f"{i},5\t{i}\t{i % 2}\n" for i in range(4)), "tab.csv")
    assert load_csv(tab, "c", decimal=",", verbose=False).X[:, 0].tolist() == [0.5, 1.5, 2.5, 3.5]
    with pytest.raises(ValueError, match=r"decimal is the decimal mark, '\.' or ',', got ';'"):
        load_csv(tab, "c", decimal=";")


def test_a_column_mixing_both_decimal_marks_is_refused(tmp_path):
    path = write(tmp_path, "a;b;c\n1,5;2;0\n2.5;3;1\n3,5;4;0\n")
    with pytest.raises(ValueError, match=r"column 'a' mixes both decimal marks: '1,5' \(line 2\) has a comma and "
                                         r"'2.5' \(line 3\) a point"):
        load_csv(path, "c")


def test_an_id_column_used_as_a_feature_is_named_with_drop(tmp_path, capsys):
    load_csv(write(tmp_path, EXCEL_ID), "lulus")
    out = capsys.readouterr().out
    assert "warning: column 'nim' holds a different whole number in every row" in out
    assert "drop=['nim']" in out and "--drop nim" in out
    load_csv(write(tmp_path, EXCEL_ID), "lulus", drop=["nim"])
    assert "warning" not in capsys.readouterr().out


def test_train_reads_an_indonesian_excel_csv(tmp_path, capsys):
    path = write(tmp_path, EXCEL_ID)
    code = main(["train", "--csv", str(path), "--target", "lulus", "--drop", "nim", "--epochs", "2",
                 "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "decimal comma" in out and "jam_belajar_" not in out
    code = main(["train", "--csv", str(path), "--target", "lulus", "--drop", "nim", "--decimal", ",",
                 "--epochs", "2", "--out", str(tmp_path / "out2")])
    assert code == 0 and "decimal comma" not in capsys.readouterr().out
