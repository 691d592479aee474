"""The policy's formula language: a whitelisted grammar parsed by the project (never `eval`), its
three-valued evaluation (`expr`), and the functions a derivation may call (`functions`).
"""

__all__ = ["expr", "functions"]
