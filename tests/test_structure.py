"""The package's shape: no import cycles, modules small enough to read, the step as a table of
contents."""

import ast
import inspect
from pathlib import Path

import networkx as nx

SIM = Path(__file__).resolve().parent.parent / "sim"
# The parameter schema is declarations only; it may be long.
LONG_ALLOWED = {"sim/params.py"}
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every sim module ``path`` imports, anywhere in the file (lazy and TYPE_CHECKING too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found.update(n for n in names if n in modules)
    return found


def test_no_import_cycles_in_sim():
    files = sorted(SIM.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    graph = nx.DiGraph()
    for f in files:
        name = _module_name(f)
        graph.add_node(name)
        for target in _imports(f, modules):
            # A package's __init__ importing its own submodules is how packages re-export.
            if target != name and not target.startswith(name + "."):
                graph.add_edge(name, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles}"


def test_no_module_in_sim_is_over_400_lines():
    long = {
        str(f.relative_to(SIM.parent)): n
        for f in SIM.rglob("*.py")
        if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(long) <= LONG_ALLOWED, long


def test_advance_is_one_line_per_phase():
    from sim.model import LabRaceModel

    body = inspect.getsource(LabRaceModel.advance).split('"""')[-1]
    calls = [line.strip() for line in body.splitlines() if line.strip().endswith("(self)")]
    assert calls[0] == "books.open_books(self)"
    assert calls[-1] == "knowledge.learn(self)"
    # Compute is cleared (rationed, priced, invested) after the market has taken its serving,
    # and research uses what was delivered.
    assert (
        calls.index("compute.clear_compute(self)") == calls.index("market.clear_market(self)") + 1
    )
    assert calls.index("compute.research(self)") == calls.index("compute.clear_compute(self)") + 1
    # Every phase is a function of a module under sim/phases, called with the model alone.
    phases = {p.stem for p in (SIM / "phases").glob("*.py")} - {"__init__"}
    assert {c.split(".")[0] for c in calls} <= phases
