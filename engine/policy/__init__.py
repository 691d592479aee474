"""A policy folder in: loaded with lines kept (`loader`), checked against JSON Schemas (`schemas`), as typed
data (`model`) with each decision's type (`decisiontypes`), its appeals.yaml (`appeals`) and parameter values
in force on a date (`params`).

Entry point: `loader.load_policy(folder)` → (Policy | None, problems). The meaning-level checks that need
the compiler live in `engine.tools.validate` (`load_or_raise`).
"""

__all__ = ["appeals", "decisiontypes", "loader", "model", "params", "schemas"]
