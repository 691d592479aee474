"""A rules engine for policy documents kept as YAML: packages by stage, importing one way.

    common → formula → policy → casefiles → pipeline → explain → tools → outputs → cli

See docs/architecture.md. engine/ knows no word, record kind or field of any one policy: those live in
the policy's folder (policies/<id>/).
"""

__all__ = ["common", "formula", "policy", "casefiles", "pipeline", "explain", "tools", "outputs", "cli"]
