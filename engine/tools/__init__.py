"""What officers do with a policy and its determinations, as a library that returns data: validate a
folder (`validate`, with the types of values `typecheck`), run its YAML tests (`policytests`), measure coverage (`coverage`), analyse gaps and
conflicts (`analyze`), answer an appeal (`appeal`), keep and replay a decision log (`decisionlog`),
compare two versions (`diff`, `gitpolicy`), generate rosters (`generate`). Nothing here prints.
"""

__all__ = ["analyze", "appeal", "coverage", "decisionlog", "diff", "generate", "gitpolicy", "policytests", "typecheck", "validate"]
