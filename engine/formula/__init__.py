"""The policy's formula language: a whitelisted grammar parsed by the project (never `eval`), its
three-valued evaluation (`expr`), the functions a derivation may call (`functions`), and the type of value
a formula gives (`valuetypes`).
"""

__all__ = ["expr", "functions", "valuetypes"]
