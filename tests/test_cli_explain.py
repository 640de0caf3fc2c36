"""``skmlp explain`` on the models ``skmlp fit`` saves, raw tables included
(driven in-process through ``main``: the same parser and error handling as
the installed command)."""

import numpy as np
import pandas as pd
import pytest

from skmlp.cli import main

TUNED = [
    "--tuned",
    "--estimator-param",
    "alphas=[0.1]",
    "--estimator-param",
    "hidden_layer_sizes=(8,)",
]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """A small clinical table: three hospitals, NaN in 'crp', a text column
    'ward'; and a --tuned model of it fitted with the hospitals as groups."""
    folder = tmp_path_factory.mktemp("clinic")
    rng = np.random.RandomState(0)
    n = 150
    frame = pd.DataFrame(
        {
            "hospital": np.repeat(["H1", "H2", "H3"], n // 3),
            "age": rng.normal(60, 10, n).round(),
            "crp": rng.lognormal(1, 1, n).round(2),
            "ward": rng.choice(["icu", "surgery", "medicine"], n),
            "noise": rng.normal(size=n),
        }
    )
    score = (frame.age - 60) / 10 + 2 * (frame.ward == "icu") + rng.normal(0, 0.3, n)
    frame["outcome"] = np.where(score > 0.5, "bad", "good")
    frame.loc[rng.rand(n) < 0.2, "crp"] = np.nan
    frame.to_csv(folder / "clinic.csv", index=False)
    model = folder / "clinic.skops"
    fit = [
        "fit",
        folder / "clinic.csv",
        "--target",
        "outcome",
        "--groups",
        "hospital",
        "--estimator-param",
        "cv=3",
        *TUNED,
        "--model",
        model,
    ]
    assert main(list(map(str, fit))) == 0
    return folder


def explain(*args):
    return main(["explain", *map(str, args)])


def test_explain_a_raw_table_model_by_its_source_columns(clinic, tmp_path, capsys):
    """The table, the CSV and the plot name the table's columns (the one-hot
    block of 'ward' summed, crp's missing-value indicator added to crp)."""
    capsys.readouterr()
    out, plot = tmp_path / "attributions.csv", tmp_path / "top.png"
    status = explain(
        clinic / "clinic.skops",
        clinic / "clinic.csv",
        "--target",
        "bad",
        "--out",
        out,
        "--plot",
        plot,
    )
    printed = capsys.readouterr()
    assert status == 0, printed.err
    lines = printed.out.splitlines()
    listed = [line.split()[0] for line in lines[1:5]]
    assert sorted(listed) == ["age", "crp", "noise", "ward"]
    assert set(listed[:2]) == {"age", "ward"}  # what the outcome follows
    table = pd.read_csv(out)
    assert list(table.columns) == ["age", "crp", "ward", "noise"] and len(table) == 150
    assert table.notna().all().all()
    assert plot.stat().st_size > 10_000


def test_explain_by_encoded_column(clinic, tmp_path, capsys):
    out = tmp_path / "encoded.csv"
    status = explain(
        clinic / "clinic.skops", clinic / "clinic.csv", "--by", "encoded", "--out", out
    )
    assert status == 0, capsys.readouterr().err
    columns = pd.read_csv(out).columns.tolist()
    assert columns[:3] == ["age", "crp", "noise"] and "crp_missing" in columns
    assert {"ward_icu", "ward_medicine", "ward_surgery"} <= set(columns)
    by_column = tmp_path / "by_column.csv"
    explain(clinic / "clinic.skops", clinic / "clinic.csv", "--out", by_column)
    encoded, summed = pd.read_csv(out), pd.read_csv(by_column)
    np.testing.assert_allclose(
        encoded.filter(like="ward_").sum(axis=1), summed["ward"], rtol=1e-6, atol=1e-9
    )


def test_explain_a_table_with_empty_cells_as_predict_does(clinic, tmp_path, capsys):
    """A --tuned model fitted on a complete numeric table explains rows with
    empty cells: imputed as predict imputes them."""
    frame = pd.read_csv(clinic / "clinic.csv")[["age", "noise", "outcome"]]
    frame.to_csv(tmp_path / "complete.csv", index=False)
    frame.loc[::3, "age"] = np.nan
    frame.to_csv(tmp_path / "holes.csv", index=False)
    model = tmp_path / "complete.skops"
    fit = ["fit", tmp_path / "complete.csv", "--target", "outcome", *TUNED]
    assert main([*map(str, fit), "--model", str(model)]) == 0
    out = tmp_path / "holes_attributions.csv"
    status = explain(model, tmp_path / "holes.csv", "--out", out)
    assert status == 0, capsys.readouterr().err
    assert pd.read_csv(out).notna().all().all()


@pytest.mark.parametrize("option", ["--top", "--steps"])
@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_counts_must_be_positive_whole_numbers(clinic, capsys, option, value):
    with pytest.raises(SystemExit) as exit_:
        explain(clinic / "clinic.skops", clinic / "clinic.csv", f"{option}={value}")
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert (
        f"argument {option}: must be a whole number of at least 1; got {value!r}" in error
    )


def test_a_gradient_by_source_column_says_what_to_use(clinic, capsys):
    status = explain(clinic / "clinic.skops", clinic / "clinic.csv", "--method", "gradient")
    assert status == 2
    error = capsys.readouterr().err
    assert "--by encoded" in error and "integrated_gradients" in error


def test_explain_by_encoded_column_names_colliding_columns_apart(tmp_path, capsys):
    """Item 5 through the command line: a real column 'crp_missing' beside
    crp's missing-value indicator, and a real category 'missing' beside the
    missing one, give distinct names in explain's table and CSV."""
    rng = np.random.RandomState(1)
    n = 90
    frame = pd.DataFrame(
        {
            "hospital": np.repeat(["H1", "H2", "H3"], n // 3),
            "crp": rng.lognormal(1, 1, n).round(2),
            "crp_missing": rng.randint(0, 2, n),
            "ward": rng.choice(["icu", "missing", "other"], n),
        }
    )
    frame.loc[rng.rand(n) < 0.2, "crp"] = np.nan
    frame.loc[rng.rand(n) < 0.2, "ward"] = np.nan
    frame["outcome"] = np.where(rng.rand(n) + (frame.ward == "icu") > 1, "bad", "good")
    table, model, out = tmp_path / "t.csv", tmp_path / "m.skops", tmp_path / "a.csv"
    frame.to_csv(table, index=False)
    fit = ["fit", table, "--target", "outcome", "--groups", "hospital", *TUNED]
    assert main(list(map(str, [*fit, "--estimator-param", "cv=3", "--model", model]))) == 0
    capsys.readouterr()
    assert explain(model, table, "--by", "encoded", "--top", "50", "--out", out) == 0
    printed = capsys.readouterr().out.splitlines()
    listed = [
        line.split()[0] for line in printed[1:] if line and not line.startswith("wrote")
    ]
    columns = list(pd.read_csv(out).columns)
    assert sorted(listed) == sorted(columns) and len(set(columns)) == len(columns)
    assert {"crp_missing", "crp_missing_1", "ward_missing", "ward_missing_1"} <= set(
        columns
    )
