"""Short labels of scenario parameters, for figures and report tables: ``short_label(path)``
gives "warm-start credit κ" or "AI spending at start (USD/yr)" where a dotted path
(``mechanisms.warm_start.kappa``) would be unreadable.

A label is the field's pydantic ``title`` in ``sim.params`` where it has one, else the field's
name in words after the group it belongs to; the unit comes from the name's suffix (house
style: units in names). Fields are found by walking the schema as ``sim.paramdoc`` does.
"""

from __future__ import annotations

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim import params as P
from sim.paramdoc import _list_item_classes, _model_class

# A name's unit suffix (house style: units in names), longest first, as a label writes it.
UNIT_SUFFIXES = (
    ("_usd_per_year", "USD/yr"),
    ("_flop_per_usd", "FLOP/USD"),
    ("_flop_per_s", "FLOP/s"),
    ("_engineer_years", "engineer-years"),
    ("_per_year", "per year"),
    ("_per_month", "per month"),
    ("_usd", "USD"),
    ("_flop", "FLOP"),
    ("_years", "years"),
    ("_months", "months"),
    ("_engineers", "engineers"),
)
GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "theta": "θ",
}


def field_at(path: str) -> FieldInfo | None:
    """The schema field a dotted path names, as ``--set`` and sweep files write it
    (``market.inertia``, ``mechanisms.warm_start.kappa``, ``labs.openai.engineers``); None
    when the path names no single field (a group, an event, a typo)."""
    cls: type[BaseModel] | None = P.Scenario
    parts = path.split(".")
    field = None
    i = 0
    while i < len(parts):
        if cls is None or parts[i] not in cls.model_fields:
            return None
        field = cls.model_fields[parts[i]]
        i += 1
        cls = _model_class(field.annotation)
        items = _list_item_classes(field.annotation)
        if cls is None and len(items) == 1 and i < len(parts):
            cls, i = items[0], i + 1  # labs.NAME.field: skip the lab's name
    return field if cls is None else None


def _split_unit(name: str) -> tuple[str, str | None]:
    """``spending_start_usd_per_year`` -> (``spending_start``, ``USD/yr``)."""
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)], unit
        if name == suffix[1:] and "_per_" in suffix:  # flop_per_usd; not engineers
            return "", unit
    return name, None


def parameter_unit(path: str) -> str | None:
    """The unit of the parameter at ``path``, read from its name (``USD/yr``, ``years``, ...);
    None for shares, multiples and other pure numbers."""
    name = path.split(".")[-1]
    if name.endswith("_start"):
        name = name[: -len("_start")]
    return _split_unit(name)[1]


def short_label(path: str, unit: bool = True) -> str:
    """A parameter as a figure or table names it: the field's ``title`` from ``sim.params``
    if it has one (``warm-start credit κ``), else its name in words after the group it
    belongs to (``market price sensitivity``), with the unit its name carries in brackets
    (``AI spending at start (USD/yr)``). Works for any dotted path, known or not."""
    parts = path.split(".")
    name = parts[-1]
    start = name.endswith("_start")
    stem, unit_text = _split_unit(name[: -len("_start")] if start else name)
    field = field_at(path)
    if field is not None and field.title:
        label = field.title
    else:
        words = [GREEK.get(w, w) for w in stem.split("_") if w]
        if len(words) > 1 and words[-1] == "start":
            words[-1:], start = [], True
        if start:
            words += ["at", "start"]
        text = " ".join(words)
        context = parts[-2].replace("_", " ") if len(parts) > 1 else ""
        label = f"{context} {text}".strip() if context and not text.startswith(context) else text
        label = label or name
    return f"{label} ({unit_text})" if unit and unit_text else label
