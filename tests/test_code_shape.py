"""The shape of the code, as the architecture guide asks: short functions with
few parameters, no import cycle, and a NumPy core that imports no scikit-learn.

``python tests/test_code_shape.py`` prints the longest functions and those with
the most parameters.
"""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skmlp"
MAX_LINES = 40
MAX_PARAMETERS = 8
#: The estimators' ``__init__`` lists every parameter, as scikit-learn requires.
ESTIMATOR_MODULES = (
    "skmlp._estimators.classifier",
    "skmlp._estimators.regressor",
    "skmlp._estimators.multilabel",
    "skmlp._tuned.estimators",
)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text(encoding="utf-8"))


def _body_lines(function):
    """Lines of a function without its docstring."""
    lines = function.end_lineno - function.lineno + 1
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(
        getattr(first, "value", None), ast.Constant
    ):
        if isinstance(first.value.value, str):
            lines -= first.end_lineno - first.lineno + 1
    return lines


def _parameters(function):
    args = function.args
    names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [n for n in names if n not in ("self", "cls")]


def function_table():
    """``(lines, parameters, "module:line name")`` for every function of skmlp."""
    rows = []
    for name, _, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                where = f"{name}:{node.lineno} {node.name}"
                rows.append((_body_lines(node), len(_parameters(node)), where))
    return rows


def _imports(name, tree):
    """The skmlp modules (and top-level packages) that module ``name`` imports."""
    package = name if tree_is_package(name) else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def tree_is_package(name):
    return (PACKAGE.parent / Path(*name.split(".")) / "__init__.py").is_file()


def import_graph():
    modules = {name: tree for name, _, tree in _modules()}
    return {
        name: sorted(m for m in _imports(name, tree) if m in modules and m != name)
        for name, tree in modules.items()
    }


# functions whose signature is scikit-learn's, argument for argument
SKLEARN_SIGNATURES = (" cross_validate", " cross_val_score", " cross_val_predict")


def _checked_functions():
    return [
        row
        for row in function_table()
        if not (row[2].endswith(" __init__") and row[2].startswith(ESTIMATOR_MODULES))
        and not (
            row[2].startswith("skmlp.model_selection.")
            and row[2].endswith(SKLEARN_SIGNATURES)
        )
    ]


def test_no_function_is_longer_than_40_lines():
    long = [row for row in _checked_functions() if row[0] > MAX_LINES]
    assert not long, f"functions over {MAX_LINES} lines (docstring excluded): {long}"


def test_no_function_has_more_than_8_parameters():
    many = [row for row in _checked_functions() if row[1] > MAX_PARAMETERS]
    assert not many, f"functions with over {MAX_PARAMETERS} parameters: {many}"


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for child in graph[node]:
            if state.get(child) == "open":
                cycles.append([*path[path.index(child) :], child])
            elif child not in state:
                visit(child, [*path, child])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [node])
    assert not cycles, f"import cycles: {cycles}"


def _sklearn_importers(modules, subpackage):
    """The modules of ``subpackage`` among ``(name, path, tree)`` that import
    scikit-learn (at the top or inside a function)."""
    return [
        name
        for name, _, tree in modules
        if name.startswith(subpackage)
        and any(m.split(".")[0] == "sklearn" for m in _imports(name, tree))
    ]


@pytest.mark.parametrize("subpackage", ["skmlp.nn", "skmlp.training", "skmlp.model_axis"])
def test_the_core_imports_no_scikit_learn(subpackage):
    """Below the estimators nothing knows scikit-learn: the ensemble rules that
    clone and publish estimators live with them (skmlp/_estimators/ensemble.py)."""
    assert not _sklearn_importers(_modules(), subpackage)


def test_the_scikit_learn_check_fails_on_a_planted_import():
    planted = "def f():\n    from sklearn.base import clone\n    return clone\n"
    modules = [("skmlp.model_axis.planted", None, ast.parse(planted)), *_modules()]
    assert _sklearn_importers(modules, "skmlp.model_axis") == ["skmlp.model_axis.planted"]


#: The core below the estimators: one representation, a network is a stack of k.
CORE = ("skmlp.nn", "skmlp.training", "skmlp.model_axis")
#: Where the core may branch on the rank of its arrays (the k = 1 dispatch).
FAST = "skmlp.nn.fast"
#: A branch on an array's rank (``A.ndim == 3``, ``np.ndim(x)``), on a stack of
#: one (``n_members == 1``, ``len(parts) == 1``) or on a "no model axis"
#: sentinel (``members is None``).
RANK_BRANCH = re.compile(
    r"\.ndim\s*(==|!=|<=|>=|<|>)\s*\d"
    r"|\bnp\.ndim\("
    r"|\bn_members\s*(==|!=)\s*1\b"
    r"|\blen\((?:[^()]|\([^()]*\))*\)\s*(==|!=)\s*1\b"
    r"|\bmembers is None\b"
)
#: One per helper of nn/fast.py that takes either rank (see its docstrings).
MAX_FAST_DISPATCHES = 22


def _source_lines(name):
    for module, path, _ in _modules():
        if module == name:
            return path.read_text(encoding="utf-8").splitlines()
    return []


def test_no_twin_classes():
    """One class per concept: no ``MemberX`` beside an ``X`` (the model axis
    is the only representation, a single network a stack of one)."""
    classes = {
        node.name
        for _, _, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    twins = [
        name
        for name in classes
        if name.lstrip("_").startswith("Member")
        and name.lstrip("_")[len("Member") :] in {c.lstrip("_") for c in classes}
    ]
    assert not twins
    assert {"Objective", "ProximalL1", "Minibatches", "Validation"} <= classes


def _input_checks(tree):
    """Lines of ``if`` tests whose body only raises: a check of the input with
    an error, not a dispatch."""
    return {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and len(node.body) == 1
        and isinstance(node.body[0], ast.Raise)
        for line in range(node.test.lineno, node.test.end_lineno + 1)
    }


def rank_branches(source):
    """Line numbers of the rank branches of ``source`` (see
    :data:`RANK_BRANCH`), input checks that raise left out."""
    checks = _input_checks(ast.parse(source))
    return [
        number
        for number, line in enumerate(source.splitlines(), 1)
        if RANK_BRANCH.search(line) and number not in checks
    ]


def _core_rank_branches(modules):
    """``{module: [line, ...]}`` of the core's rank branches outside nn/fast.py,
    and the number of those in nn/fast.py."""
    found, in_fast = {}, 0
    for name, path, _ in modules:
        if not name.startswith(CORE):
            continue
        hits = rank_branches(path.read_text(encoding="utf-8"))
        if name == FAST:
            in_fast = len(hits)
        elif hits:
            found[name] = hits
    return found, in_fast


def test_k1_dispatches_live_in_fast_only():
    """The core's maths is written once for a stack of k networks; a branch on
    the rank of an array, on a stack of one or on a number shared by the
    members (a stack of one computes on 2-D views) lives in nn/fast.py, and
    only there."""
    found, in_fast = _core_rank_branches(_modules())
    assert found == {}
    assert 0 < in_fast <= MAX_FAST_DISPATCHES


@pytest.mark.parametrize(
    "branch",
    [
        "if X.ndim == 3:\n    X = X[0]\n",
        "rate = rate if np.ndim(rate) == 0 else rate[j]\n",
        "if np.ndim(step):\n    step = step[j]\n",
        "if self.n_members == 1:\n    return self\n",
        "if len(parts) == 1:\n    return parts[0]\n",
        "shared = len({o.spec for o in optimizers}) == 1 or not shuffled\n",
        "if members is None:\n    members = [0]\n",
    ],
)
def test_the_rank_check_fails_on_a_planted_branch(branch, tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        f"def f(self, X, rate, step, parts, j, optimizers):\n{_indented(branch)}"
    )
    modules = [("skmlp.training.planted", planted, None), *_modules()]
    found, _ = _core_rank_branches(modules)
    assert list(found) == ["skmlp.training.planted"]


def test_an_input_check_that_raises_is_not_a_branch():
    source = "def f(raw):\n    if raw.ndim != 3:\n        raise ValueError(raw.shape)\n"
    assert rank_branches(source) == []
    assert rank_branches(source.replace("raise ValueError(raw.shape)", "raw = raw[None]"))


def _indented(source):
    return "".join(f"    {line}\n" for line in source.splitlines())


def estimator_private_names():
    """The private attribute and method names of the estimators' classes
    (``skmlp._estimators``, ``skmlp._tuned``): what a fitted estimator keeps
    to itself (``_state``, ``_loss``, ``_head_mean``, ...)."""
    names = set()
    for name, _, tree in _modules():
        if not name.startswith(("skmlp._estimators", "skmlp._tuned")):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names.update(
                    item.name for item in node.body if isinstance(item, ast.FunctionDef)
                )
            if _assigns_self_attribute(node):
                names.add(node.attr)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _assigns_self_attribute(node):
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def private_reads(tree, names):
    """``(line, source)`` of each place in ``tree`` that reads one of
    ``names`` from another object than ``self``: ``obj._state``,
    ``estimator._head_mean(...)`` in a closure, ``getattr(obj, "_loss")``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names:
            if not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                found.append((node.lineno, ast.unparse(node)))
        if _getattr_of(node, names):
            found.append((node.lineno, ast.unparse(node)))
    return found


def _getattr_of(node, names):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "hasattr", "setattr")
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
        and node.args[1].value in names
    )


#: Besides the core, what reads fitted estimators from outside: the
#: attributions read their one description (skmlp/_estimators/description.py).
OUTSIDE_READERS = ("skmlp.inspection",)


def _core_private_reads(modules):
    names = estimator_private_names()
    return {
        name: reads
        for name, _, tree in modules
        if name.startswith((*CORE, *OUTSIDE_READERS))
        and (reads := private_reads(tree, names))
    }


def test_the_core_reads_no_private_attribute_of_an_estimator():
    """Nothing below the estimators calls back up: the core is handed plain
    data and callables, never an estimator whose private state it reads; the
    inspection tools read the estimators' one description of a fitted model
    (``describe``), not their private attributes."""
    assert {"_state", "_loss", "_decode", "_network"} <= estimator_private_names()
    assert _core_private_reads(_modules()) == {}


@pytest.mark.parametrize(
    "planted",
    [
        "def score(estimator):\n    return lambda raw: estimator._decode(raw)\n",
        "def states(plans):\n    return [p.estimator._state for p in plans]\n",
        "def link(estimator):\n    return getattr(estimator, '_loss').link\n",
    ],
)
def test_the_private_read_check_fails_on_a_planted_read(planted):
    modules = [("skmlp.model_axis.planted", None, ast.parse(planted)), *_modules()]
    assert list(_core_private_reads(modules)) == ["skmlp.model_axis.planted"]


def test_no_broad_except_outside_the_command_line():
    """An error in a fit is that fit's error: nothing is caught broadly to fall
    back, except the command line's one-line report and the one place that
    records a fit's failure as scikit-learn's _fit_and_score records it."""
    allowed = {"skmlp.cli": 1, "skmlp.model_selection._one_pass": 1}
    found = {}
    for name, _, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and (
                node.type is None
                or (isinstance(node.type, ast.Name) and node.type.id in BROAD)
            ):
                found[name] = found.get(name, 0) + 1
    assert found == allowed


BROAD = {"Exception", "BaseException"}


def _sklearn_imports(tree):
    """``(module, names)`` of each ``from sklearn... import ...`` of ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn"):
            yield node.module, [alias.name for alias in node.names]


def test_private_scikit_learn_names_are_imported_in_one_module():
    offenders = []
    for name, _, tree in _modules():
        if name == "skmlp._sklearn_compat":
            continue
        for module, names in _sklearn_imports(tree):
            private = [n for n in names if n.startswith("_")]
            if private or any(part.startswith("_") for part in module.split(".")):
                offenders.append((name, module, private))
    assert not offenders


def test_the_estimators_do_not_relay_through_the_axis():
    """Estimators build plans and call the scheduler; nothing in the core
    imports an estimator module."""
    graph = import_graph()
    for name, imports in graph.items():
        if name.startswith(CORE):
            assert not [m for m in imports if not m.startswith((*CORE, "skmlp.nn"))], name


def test_the_checks_see_what_they_check():
    """The table and the graph are not empty by construction."""
    table = function_table()
    assert len(table) > 200 and max(row[0] for row in table) > 10
    assert "skmlp._estimators.base" in import_graph()["skmlp._estimators.classifier"]
    assert "skmlp.nn.network" in import_graph()["skmlp._estimators.planner"]
    compat = next(tree for name, _, tree in _modules() if name == "skmlp._sklearn_compat")
    assert any(n.startswith("_") for _, names in _sklearn_imports(compat) for n in names)


if __name__ == "__main__":
    rows = function_table()
    print(f"{'lines':>5} {'params':>6}  function (docstrings excluded)")
    for lines, params, where in sorted(rows, reverse=True)[:12]:
        print(f"{lines:5d} {params:6d}  {where}")
    print("most parameters, the estimators' __init__ aside:")
    others = _checked_functions()
    for lines, params, where in sorted(others, key=lambda r: (-r[1], -r[0]))[:6]:
        print(f"{lines:5d} {params:6d}  {where}")
