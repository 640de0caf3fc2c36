"""The real command line, driven in a subprocess."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedGroupKFold

from skmlp import persistence


def skmlp(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "skmlp", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tables")
    rng = np.random.RandomState(0)
    n = 240
    frame = pd.DataFrame(rng.normal(size=(n, 5)), columns=[f"gene_{i}" for i in range(5)])
    frame["patient"] = np.repeat(np.arange(24), 10)
    frame["subtype"] = np.where(frame.gene_0 + 0.3 * rng.normal(size=n) > 0, "AML", "ALL")
    frame["risk"] = (frame.gene_1 > 0).astype(int)
    frame["relapse"] = (frame.gene_2 + frame.gene_3 > 0).astype(int)
    frame["one_class"] = "ALL"
    frame.drop(columns=["one_class"]).to_csv(folder / "cohort.csv", index=False)
    frame.to_csv(folder / "with_constant.tsv", sep="\t", index=False)
    frame.assign(site=np.where(frame.patient % 2, "A", "B")).to_csv(
        folder / "with_text.csv", index=False
    )
    frame.iloc[:0].to_csv(folder / "header_only.csv", index=False)
    frame.to_csv(folder / "not_a_model.skops", index=False)
    return folder


def test_the_default_report_covers_every_estimator():
    # ``python -m skmlp`` is the same report with 5 folds (the main job runs it)
    result = skmlp("cv", "--cv", "2")
    assert result.returncode == 0, result.stderr
    assert "2-fold cross-validation" in result.stdout
    for name in ["MLPClassifier", "MLPRegressor", "MultiLabelMLP"]:
        assert f"{name} — " in result.stdout
        assert f"{name}CV — " in result.stdout
    for metric in ["accuracy", "r2", "f1_micro"]:
        assert metric in result.stdout


def test_cv_with_groups_writes_report_and_curves(tables, tmp_path):
    result = skmlp(
        "cv",
        tables / "cohort.csv",
        "--target",
        "subtype",
        "--groups",
        "patient",
        "--cv",
        "3",
        "--estimator-param",
        "learning_rate_init=0.01",
        "--estimator-param",
        "hidden_layer_sizes=(8,)",
        "--out",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "grouped by patient (24 groups)" in result.stdout
    assert "fitting 3 folds..." in result.stderr  # progress: one line for the folds
    lines = result.stdout.splitlines()
    assert lines[-2].startswith("mean") or lines[-1].startswith("wrote")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["task"] == "classification" and len(report["diagnosis"]) == 3
    assert report["metrics"]["accuracy"]["mean"] > 0.7
    assert (tmp_path / "curves.png").stat().st_size > 1000


def test_cv_on_a_multilabel_table(tables):
    result = skmlp(
        "cv",
        tables / "cohort.csv",
        "--target",
        "risk,relapse",
        "--cv",
        "3",
        "--drop",
        "subtype,patient",
        "--estimator-param",
        "max_iter=40",
        "--scoring",
        "f1_micro,accuracy",
    )
    assert result.returncode == 0, result.stderr
    assert "multilabel of risk, relapse" in result.stdout
    assert "f1_micro" in result.stdout


def test_fit_then_predict_round_trip(tables, tmp_path):
    model = tmp_path / "model.skops"
    fitted = skmlp(
        "fit",
        tables / "cohort.csv",
        "--target",
        "subtype",
        "--groups",
        "patient",
        "--estimator-param",
        "learning_rate_init=0.01",
        "--model",
        model,
    )
    assert fitted.returncode == 0, fitted.stderr
    out = tmp_path / "predictions.csv"
    predicted = skmlp("predict", model, tables / "cohort.csv", "--output", out, "--proba")
    assert predicted.returncode == 0, predicted.stderr
    table = pd.read_csv(out)
    # the columns the model did not use (groups, target) come first
    assert list(table.columns) == [
        "patient",
        "subtype",
        "predicted_subtype",
        "proba_ALL",
        "proba_AML",
    ]
    truth = pd.read_csv(tables / "cohort.csv")["subtype"]
    assert (table["predicted_subtype"] == truth).mean() > 0.8


@pytest.mark.parametrize(
    "args, message",
    [
        (["cv", "missing.csv", "--target", "subtype"], "no such data file"),
        (["cv", "{cohort}", "--target", "nope"], "unknown target column"),
        (
            ["cv", "{cohort}", "--target", "subtype", "--groups", "who"],
            "unknown groups column",
        ),
        (
            ["cv", "{constant}", "--target", "one_class", "--drop", "subtype"],
            "single class",
        ),
        (["cv", "{text}", "--target", "subtype"], "non-numeric feature column"),
        (["cv", "{cohort}"], "--target is required"),
        (
            ["cv", "{cohort}", "--target", "subtype", "--estimator-param", "alpha=-1"],
            "alpha",
        ),
        (["predict", "missing.skops", "{cohort}"], "no such model file"),
        (["cv", "{header_only}", "--target", "subtype"], "the table has no rows"),
        (
            ["predict", "{not_a_model}", "{cohort}"],
            "not_a_model.skops is not a model saved by 'skmlp fit' (not a skops file)",
        ),
        # without a data file there is no table for these to act on
        (["cv", "--out", "results"], "--out needs a data file"),
        (["cv", "--target", "subtype", "--scoring", "r2"], "--target, --scoring need"),
    ],
)
def test_bad_input_ends_with_one_line_and_status_2(tables, args, message):
    files = {
        "cohort": tables / "cohort.csv",
        "constant": tables / "with_constant.tsv",
        "text": tables / "with_text.csv",
        "header_only": tables / "header_only.csv",
        "not_a_model": tables / "not_a_model.skops",
    }
    result = skmlp(*[a.format(**files) for a in args])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1 and message in error_lines[0], result.stderr


def test_tuned_cv_uses_the_cv_estimator_with_groups(tables, tmp_path):
    result = skmlp(
        "cv",
        tables / "cohort.csv",
        "--target",
        "subtype",
        "--groups",
        "patient",
        "--cv",
        "3",
        "--tuned",
        "--estimator-param",
        "alphas=[0.01, 1.0]",
        "--estimator-param",
        "max_iter=60",
        "--out",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "alpha=" in line]
    assert len(rows) == 3  # each fold's best candidate
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["estimator"].startswith("MLPClassifierCV(")
    assert len(report["alpha_"]) == len(report["best_params_"]) == 3
    assert len(report["ensemble_weights_"]) == 3
    assert report["metrics"]["accuracy"]["mean"] > 0.7


def test_tuned_multilabel_says_the_threshold_it_chose(tables, tmp_path):
    """A multi-label target: each fold's row, the report and fit's summary
    name the threshold ``threshold="auto"`` chose, which predict uses."""
    common = [tables / "cohort.csv", "--target", "risk,relapse", "--drop", "subtype"]
    tuned = ["--tuned", "--estimator-param", "alphas=[0.1]"]
    result = skmlp("cv", *common, "--cv", "2", *tuned, "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "threshold=" in line]
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(rows) == len(report["threshold_"]) == 2
    for row, threshold in zip(rows, report["threshold_"]):
        assert 0 < threshold < 1 and f"threshold={threshold:g})" in row
    model = tmp_path / "multilabel.skops"
    fitted = skmlp("fit", *common, *tuned, "--model", model)
    assert fitted.returncode == 0, fitted.stderr
    [line] = [line for line in fitted.stdout.splitlines() if line.startswith("threshold ")]
    threshold = float(line.split()[1].rstrip(","))
    saved = persistence.load(model)["model"]
    assert saved.threshold_ == threshold


def test_tuned_fit_then_predict_round_trip(tables, tmp_path):
    model = tmp_path / "tuned.skops"
    fitted = skmlp(
        "fit",
        tables / "cohort.csv",
        "--target",
        "gene_4",
        "--drop",
        "subtype",
        "--groups",
        "patient",
        "--tuned",
        "--estimator-param",
        "alphas=[0.1]",
        "--model",
        model,
    )
    assert fitted.returncode == 0, fitted.stderr
    predicted = skmlp("predict", model, tables / "cohort.csv")
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout.splitlines()[0] == "gene_4,patient,subtype,predicted_gene_4"
    assert len(predicted.stdout.splitlines()) == 241


@pytest.mark.parametrize(
    "params, candidates",
    [
        (["alphas=[0.1, 10.0]", "portfolio=[{}, {'hidden_layer_sizes': (8,)}]"], 4),
        # the network and its two embeddings (one alpha each), the linear model's 8
        (["portfolio=best", "alphas=[0.1]", "max_iter=10"], 11),
    ],
    ids=["listed", "best"],
)
def test_tuned_fit_with_a_portfolio_says_its_selection_and_predicts(
    params, candidates, tables, tmp_path
):
    """A selection among a listed portfolio of two architectures, or the
    "best" preset's, is saved (skops), loaded and predicts as the fitted
    model does; fit counts the candidates and names the selected ones."""
    model = tmp_path / "tuned.skops"
    given = [arg for param in params for arg in ("--estimator-param", param)]
    fitted = skmlp(
        "fit",
        tables / "cohort.csv",
        "--target",
        "gene_4",
        "--drop",
        "subtype",
        "--tuned",
        *given,
        "--model",
        model,
    )
    assert fitted.returncode == 0, fitted.stderr
    assert f"best of {candidates} candidates:" in fitted.stdout
    assert "ensemble selection: " in fitted.stdout
    predicted = skmlp("predict", model, tables / "cohort.csv")
    assert predicted.returncode == 0, predicted.stderr
    assert len(predicted.stdout.splitlines()) == 241


@pytest.mark.parametrize("saved", ["estimator", "dict"])
def test_predict_names_a_file_that_skmlp_fit_did_not_save(saved, tables, tmp_path):
    skops_io = pytest.importorskip("skops.io")
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "other.skops"
    skops_io.dump(
        LogisticRegression().fit([[0.0], [1.0]], [0, 1]) if saved == "estimator" else {},
        path,
    )
    result = skmlp("predict", path, tables / "cohort.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is not a model saved by 'skmlp fit'" in result.stderr


def test_rows_with_a_missing_target_are_left_out_and_named(tables, tmp_path):
    """A 0/1 target with a missing value is still a classification target;
    the rows without a target are named and left out."""
    frame = pd.read_csv(tables / "cohort.csv")
    frame.loc[[3, 50], "risk"] = np.nan
    frame.to_csv(tmp_path / "gaps.csv", index=False)
    result = skmlp(
        "cv",
        tmp_path / "gaps.csv",
        "--target",
        "risk",
        "--drop",
        "subtype",
        "--cv",
        "2",
        "--estimator-param",
        "max_iter=20",
    )
    assert result.returncode == 0, result.stderr
    assert "left out 2 row(s) with a missing target: row(s) 4, 51" in result.stderr
    assert "238 rows x 7 features, classification of risk" in result.stdout


def test_multilabel_probabilities_are_named_after_the_label_columns(tables, tmp_path):
    model = tmp_path / "multilabel.skops"
    fitted = skmlp(
        "fit",
        tables / "cohort.csv",
        "--target",
        "risk,relapse",
        "--drop",
        "subtype",
        "--estimator-param",
        "max_iter=20",
        "--model",
        model,
    )
    assert fitted.returncode == 0, fitted.stderr
    predicted = skmlp("predict", model, tables / "cohort.csv", "--proba")
    assert predicted.returncode == 0, predicted.stderr
    header = predicted.stdout.splitlines()[0].split(",")
    assert header == [
        "subtype",  # not a feature: kept in front, as are the true labels
        "risk",
        "relapse",
        "predicted_risk",
        "predicted_relapse",
        "proba_risk",
        "proba_relapse",
    ]


def test_any_other_error_is_one_line_and_status_1(monkeypatch, capsys):
    """An error that is not the input's (here a bug, simulated) is still one
    line, exit status 1; --debug shows the traceback."""
    import skmlp.cli.cv as commands
    from skmlp.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("something inside broke\nsecond line")

    monkeypatch.setattr(commands, "run_default", broken, raising=False)
    monkeypatch.setattr("skmlp.cli.default.run_default", broken)
    assert main(["cv"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "skmlp: error: RuntimeError: something inside broke (run with --debug for the "
        "traceback)"
    ]
    with pytest.raises(RuntimeError, match="something inside broke"):
        main(["--debug", "cv"])


def test_help_states_the_error_promise():
    result = skmlp("--help")
    assert "exit status 2 for bad input" in " ".join(result.stdout.split())


@pytest.mark.parametrize("tuned", [False, True], ids=["pipeline", "tuned"])
def test_explain_lists_the_features_that_drive_a_saved_model(tables, tmp_path, tuned):
    """subtype follows gene_0: it leads the list, the CSV has every row's
    attributions by feature, the plot is written; a bad --target is named."""
    model = tmp_path / "model.skops"
    options = ["--tuned", "--estimator-param", "alphas=[0.1]"] if tuned else []
    fitted = skmlp(
        "fit",
        tables / "cohort.csv",
        "--target",
        "subtype",
        "--drop",
        "patient,risk,relapse",
        *options,
        "--model",
        model,
    )
    assert fitted.returncode == 0, fitted.stderr
    out, plot = tmp_path / "attributions.csv", tmp_path / "top.png"
    result = skmlp(
        "explain",
        model,
        tables / "cohort.csv",
        "--top",
        "3",
        "--target",
        "AML",
        "--out",
        out,
        "--plot",
        plot,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[0] == "feature" and lines[1].split()[0] == "gene_0"
    assert len([line for line in lines if line.startswith("gene_")]) == 3
    table = pd.read_csv(out)
    assert list(table.columns) == [f"gene_{i}" for i in range(5)] and len(table) == 240
    assert plot.stat().st_size > 0
    bad = skmlp("explain", model, tables / "cohort.csv", "--target", "CML")
    assert bad.returncode == 2 and "--target must be one of the classes" in bad.stderr


def test_tuned_takes_a_raw_table_with_text_columns_and_missing_values(tables, tmp_path):
    """--tuned: the CV estimator encodes the text column and the missing
    values itself; fit, predict and the cross-validation run on the table."""
    frame = pd.read_csv(tables / "with_text.csv")
    frame.loc[::7, "gene_1"] = np.nan
    path = tmp_path / "raw.csv"
    frame.to_csv(path, index=False)
    common = ["--target", "subtype", "--drop", "risk,relapse,one_class"]
    tuned = ["--tuned", "--estimator-param", "alphas=[0.1]"]
    cv = skmlp("cv", path, *common, "--groups", "patient", "--cv", "3", *tuned)
    assert cv.returncode == 0, cv.stderr
    model = tmp_path / "raw.skops"
    fitted = skmlp(
        "fit",
        path,
        "--target",
        "subtype",
        "--drop",
        "risk,relapse,one_class,patient",
        *tuned,
        "--model",
        model,
    )
    assert fitted.returncode == 0, fitted.stderr
    predicted = skmlp("predict", model, path)
    assert predicted.returncode == 0, predicted.stderr
    assert len(predicted.stdout.splitlines()) == len(frame) + 1
    plain = skmlp("cv", path, *common, "--cv", "3")
    assert plain.returncode == 2 and "use --tuned" in plain.stderr


# -- sweep 3: few groups, messages that say what to do, predictions with ids ----------


@pytest.fixture(scope="module")
def hospitals(tmp_path_factory):
    """A small clinical-style table: NaN, a text column, an id, 3 hospitals."""
    rng = np.random.RandomState(1)
    n = 90
    frame = pd.DataFrame(
        {
            "patient_id": [f"P{i:03d}" for i in range(n)],
            "age": rng.normal(60, 10, n).round(),
            "marker": rng.normal(size=n),
            "ward": rng.choice(["icu", "general", "day"], n),
            "hospital": np.repeat(["north", "south", "east"], 30),
        }
    )
    frame["outcome"] = np.where(frame.marker + 0.3 * rng.normal(size=n) > 0, "poor", "good")
    frame.loc[::9, "age"] = np.nan
    path = tmp_path_factory.mktemp("hospitals") / "hospitals.csv"
    frame.to_csv(path, index=False)
    return path


def run(argv, capsys):
    """``skmlp ARGV`` in this process: (exit status, stdout, stderr)."""
    from skmlp.cli import main

    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def error_line(stderr):
    lines = [line for line in stderr.splitlines() if line.startswith("skmlp: error")]
    assert len(lines) == 1, stderr
    return lines[0]


TUNED_QUICK = ["--tuned", "--estimator-param", "alphas=[0.1]", "--estimator-param"]


def test_few_groups_give_one_fold_per_group_and_inner_cv_reaches_the_estimator(
    hospitals, tmp_path
):
    """3 hospitals, --cv 5: one fold per hospital, said once on stderr; every
    fold names the hospital it held out; --inner-cv 2 is the estimator's cv."""
    result = skmlp(
        "cv",
        hospitals,
        "--target",
        "outcome",
        "--groups",
        "hospital",
        "--drop",
        "patient_id",
        "--inner-cv",
        "2",
        *TUNED_QUICK,
        "max_iter=30",
        "--out",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "one fold per group" in line]
    assert len(notes) == 1 and "--cv 5" in notes[0] and "3 groups" in notes[0], notes
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["held_out_groups"] == [["east"], ["north"], ["south"]]
    assert report["inner_folds"] == [2, 2, 2]
    assert "cv=2" in report["estimator"]
    rows = [line for line in result.stdout.splitlines() if line[:4].strip().isdigit()]
    assert [row.split()[0] for row in rows] == ["1", "2", "3"]
    for row, hospital in zip(rows, ["east", "north", "south"]):
        assert f" {hospital} " in row, rows


def test_tuned_cv_with_few_groups_and_the_default_inner_cv(hospitals):
    """Each outer fold trains on 2 hospitals: the CV estimator's default
    inner cv (5) must fall back to one inner fold per group, not fail."""
    result = skmlp(
        "cv",
        hospitals,
        "--target",
        "outcome",
        "--groups",
        "hospital",
        "--drop",
        "patient_id",
        *TUNED_QUICK,
        "max_iter=30",
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # the same warning from every fold's inner split is one line
    warned = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warned) == len(set(warned)), warned
    assert all(line.startswith("skmlp: warning: ") for line in warned), warned


def test_a_single_group_is_refused_naming_groups_and_cv(tables, tmp_path, capsys):
    frame = pd.read_csv(tables / "cohort.csv").assign(site="A")
    frame.to_csv(tmp_path / "one_site.csv", index=False)
    status, _, err = run(
        ["cv", tmp_path / "one_site.csv", "--target", "subtype", "--groups", "site"],
        capsys,
    )
    line = error_line(err)
    assert status == 2 and "--groups site" in line and "--cv" in line, line


def test_inner_cv_needs_tuned(tables, capsys):
    status, _, err = run(
        ["fit", tables / "cohort.csv", "--target", "subtype", "--inner-cv", "3"]
        + ["--model", "never.skops"],
        capsys,
    )
    assert status == 2 and "--inner-cv needs --tuned" in error_line(err)


def test_rows_with_a_missing_group_are_left_out_and_named(tables, tmp_path, capsys):
    frame = pd.read_csv(tables / "cohort.csv")
    frame.loc[[5, 60], "patient"] = np.nan
    frame.to_csv(tmp_path / "gaps.csv", index=False)
    status, out, err = run(
        ["cv", tmp_path / "gaps.csv", "--target", "subtype", "--groups", "patient"]
        + ["--cv", "2", "--estimator-param", "max_iter=10"],
        capsys,
    )
    assert status == 0, err
    assert "left out 2 row(s) with a missing group (patient): row(s) 6, 61" in err
    assert "238 rows x 7 features" in out and "(24 groups)" in out


def test_every_printed_diagnosis_comes_with_its_advice(tables, capsys):
    from skmlp.inspection._diagnosis import ADVICE, GUIDE

    status, out, err = run(
        ["cv", tables / "cohort.csv", "--target", "subtype", "--drop", "patient"]
        + ["--cv", "2", "--estimator-param", "max_iter=15"],
        capsys,
    )
    assert status == 0, err
    labels = {line.split()[-1] for line in out.splitlines() if line[:4].strip().isdigit()}
    assert labels and labels <= set(ADVICE)
    for label in labels:
        assert f"{label}: {ADVICE[label]}" in out
    assert GUIDE in out


def test_a_parquet_table_without_an_engine_says_what_to_install(
    tables, tmp_path, capsys, monkeypatch
):
    def no_engine(engine):
        raise ImportError("Unable to find a usable engine; tried using: 'pyarrow'.")

    monkeypatch.setattr("pandas.io.parquet.get_engine", no_engine)
    path = tmp_path / "cohort.parquet"
    path.write_bytes(b"PAR1")
    status, _, err = run(["cv", path, "--target", "subtype"], capsys)
    line = error_line(err)
    assert status == 2
    assert "install pyarrow to read .parquet files (pip install pyarrow)" in line


def test_a_file_that_is_not_a_text_table_is_named(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20)
    status, _, err = run(["cv", path, "--target", "subtype"], capsys)
    assert status == 2 and f"{path} is not a CSV/TSV table" in error_line(err)


def test_errors_are_printed_without_a_keyerrors_quotes(tables, capsys):
    status, _, err = run(["cv", tables / "cohort.csv", "--target", "nope"], capsys)
    assert status == 2
    assert error_line(err).startswith("skmlp: error: unknown target column(s) ['nope']")


def test_predict_names_a_column_with_text_where_the_model_had_numbers(
    tables, tmp_path, capsys
):
    model = tmp_path / "model.skops"
    status, _, err = run(
        ["fit", tables / "cohort.csv", "--target", "subtype", "--drop", "patient"]
        + ["--estimator-param", "max_iter=5", "--model", model],
        capsys,
    )
    assert status == 0, err
    frame = pd.read_csv(tables / "cohort.csv").astype({"gene_3": object})
    frame.loc[7, "gene_3"] = "1.5 mg"
    frame.to_csv(tmp_path / "typo.csv", index=False)
    status, _, err = run(["predict", model, tmp_path / "typo.csv"], capsys)
    line = error_line(err)
    assert status == 2 and "gene_3" in line and "'1.5 mg' in row 8" in line, line


def test_plain_cv_on_a_table_with_missing_values_names_them_and_hints_tuned(
    tables, tmp_path, capsys
):
    frame = pd.read_csv(tables / "cohort.csv")
    frame.loc[[2, 9], "gene_2"] = np.nan
    frame.to_csv(tmp_path / "holes.csv", index=False)
    status, _, err = run(["cv", tmp_path / "holes.csv", "--target", "subtype"], capsys)
    line = error_line(err)
    assert status == 2 and "gene_2" in line and "use --tuned" in line, line


@pytest.mark.parametrize("weighted", [False, True])
def test_an_imbalanced_target_suggests_a_class_weight(tables, tmp_path, capsys, weighted):
    frame = pd.read_csv(tables / "cohort.csv")
    frame["rare"] = np.where(frame.gene_0 > 1.0, "yes", "no")
    frame.to_csv(tmp_path / "rare.csv", index=False)
    weight = ["--estimator-param", "class_weight=balanced"] if weighted else []
    status, _, err = run(
        ["fit", tmp_path / "rare.csv", "--target", "rare", "--drop", "subtype"]
        + ["--estimator-param", "max_iter=5", *weight, "--model", tmp_path / "m.skops"],
        capsys,
    )
    assert status == 0, err
    counts = frame["rare"].value_counts()
    notes = [line for line in err.splitlines() if "class_weight=balanced" in line]
    if weighted:
        assert notes == []
    else:
        assert len(notes) == 1, err
        assert f"no: {counts['no']}" in notes[0] and f"yes: {counts['yes']}" in notes[0]


def test_tuned_fit_prints_the_chosen_alpha_and_its_inner_score(tables, tmp_path, capsys):
    status, out, err = run(
        ["fit", tables / "cohort.csv", "--target", "subtype", "--drop", "patient"]
        + ["--tuned", "--inner-cv", "3", "--estimator-param", "alphas=[0.01, 1.0]"]
        + ["--estimator-param", "max_iter=20", "--model", tmp_path / "t.skops"],
        capsys,
    )
    assert status == 0, err
    from skmlp import persistence
    from skmlp._tuned.base import _label

    model = persistence.load(tmp_path / "t.skops")["model"]
    assert model.n_splits_ == 3
    # the default portfolio: the network's 2 alphas and the linear model's 8
    assert f"best of 10 candidates: {_label(model.best_params_)}" in out
    assert f"alpha={model.alpha_:g}" in out
    assert f"{model.best_score_:.4f}" in out and "3 inner folds" in out
    assert "ensemble selection: " in out


def test_tuned_fit_with_one_configuration_prints_the_chosen_alpha(tables, tmp_path, capsys):
    status, out, err = run(
        ["fit", tables / "cohort.csv", "--target", "subtype", "--drop", "patient"]
        + ["--tuned", "--inner-cv", "3", "--estimator-param", "alphas=[0.01, 1.0]"]
        + ["--estimator-param", "portfolio=None", "--estimator-param", "selection='best'"]
        + ["--estimator-param", "max_iter=20", "--model", tmp_path / "t.skops"],
        capsys,
    )
    assert status == 0, err
    from skmlp import persistence

    model = persistence.load(tmp_path / "t.skops")["model"]
    assert f"alpha_={model.alpha_:g}, chosen from alphas [0.01, 1]" in out
    assert "ensemble selection" not in out


def test_predict_keeps_the_identifier_columns_and_says_where_it_wrote(
    hospitals, tmp_path, capsys
):
    model = tmp_path / "h.skops"
    status, _, err = run(
        ["fit", hospitals, "--target", "outcome", "--groups", "hospital"]
        + ["--drop", "patient_id", "--inner-cv", "2", *TUNED_QUICK, "max_iter=10"]
        + ["--model", model],
        capsys,
    )
    assert status == 0, err
    out_file = tmp_path / "predictions.csv"
    status, out, err = run(["predict", model, hospitals, "--output", out_file], capsys)
    assert status == 0, err
    assert f"wrote 90 rows to {out_file}" in out
    table = pd.read_csv(out_file)
    # the id, the groups and the target were not features: kept, in front
    assert list(table.columns) == ["patient_id", "hospital", "outcome", "predicted_outcome"]
    assert table["patient_id"].tolist() == pd.read_csv(hospitals)["patient_id"].tolist()
    status, out, err = run(["predict", model, hospitals], capsys)
    assert status == 0 and "wrote 90 rows to stdout" in err
    assert out.splitlines()[0] == "patient_id,hospital,outcome,predicted_outcome"
    status, out, err = run(
        ["predict", model, hospitals, "--keep", "patient_id", "--proba"], capsys
    )
    assert status == 0, err
    assert out.splitlines()[0] == "patient_id,predicted_outcome,proba_good,proba_poor"
    status, out, err = run(["predict", model, hospitals, "--keep", ""], capsys)
    assert status == 0 and out.splitlines()[0] == "predicted_outcome"
    status, _, err = run(["predict", model, hospitals, "--keep", "nope"], capsys)
    assert status == 2 and "unknown --keep column" in error_line(err)


@pytest.mark.parametrize("tuned", [False, True])
def test_cv_runs_the_librarys_cross_validate(tables, tuned, capsys, monkeypatch):
    """``skmlp cv`` has no fold loop of its own: it calls
    skmlp.model_selection.cross_validate once, with the folds of the one
    splitter function (by patient), the groups, and the fitted models back."""
    import skmlp.cli.cv
    from skmlp.model_selection import cross_validate

    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return cross_validate(*args, **kwargs)

    monkeypatch.setattr(skmlp.cli.cv, "cross_validate", spy)
    quick = TUNED_QUICK + ["max_iter=5"] if tuned else ["--estimator-param", "max_iter=5"]
    status, out, err = run(
        ["cv", tables / "cohort.csv", "--target", "subtype", "--groups", "patient"]
        + ["--drop", "risk,relapse", "--cv", "3", *quick],
        capsys,
    )
    assert status == 0, err
    [kwargs] = calls
    assert isinstance(kwargs["cv"], StratifiedGroupKFold) and kwargs["return_estimator"]
    patients = pd.read_csv(tables / "cohort.csv")["patient"].to_numpy()
    np.testing.assert_array_equal(kwargs["groups"], patients)
    assert "fitting 3 folds..." in err and "fold 1/3" not in err
    assert len([line for line in out.splitlines() if line[:4].strip().isdigit()]) == 3


@pytest.mark.parametrize("n_groups", [24, 4])  # as many groups as folds, too
def test_cv_folds_are_the_cv_estimators_folds(tables, tmp_path, n_groups, capsys):
    """The same table and seed rule give ``skmlp cv``'s folds and a CV
    estimator's inner folds: ``--random-state`` is the seed the estimator
    draws from its ``random_state``."""
    from skmlp import MLPClassifierCV
    from skmlp._estimators.ensemble import member_seeds

    frame = pd.read_csv(tables / "cohort.csv")
    frame["patient"] = frame["patient"] % n_groups
    frame.to_csv(tmp_path / "cohort.csv", index=False)
    seed = int(member_seeds(4, 1)[0])
    status, _, err = run(
        ["cv", tmp_path / "cohort.csv", "--target", "subtype", "--groups", "patient"]
        + ["--drop", "risk,relapse", "--cv", "4", "--random-state", seed]
        + ["--estimator-param", "max_iter=5", "--out", tmp_path],
        capsys,
    )
    assert status == 0, err
    held_out = json.loads((tmp_path / "report.json").read_text())["held_out_groups"]
    X, y = frame.drop(columns=["subtype", "patient", "risk", "relapse"]), frame["subtype"]
    patients = frame["patient"].to_numpy()
    inner = MLPClassifierCV(cv=4, random_state=4)._inner_cv(patients)
    assert held_out == [
        np.unique(patients[test]).tolist() for _, test in inner.split(X, y, patients)
    ]
