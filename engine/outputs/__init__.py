"""What comes out of a run, for a pipeline or for people: every module here presents what the library made and
decides nothing; with `cli`, the only package that imports rich. Each is imported when used (a command loads
only its own renderers):

answer       the contract's JSON answer (case_json, document, rendered_case, policy_header, EXPLAIN_SIZES),
             decision_label, and write_json, the one place a command's JSON goes out
terminal     rich tables and trees: render_case, render_evaluation, explanation_tree, why_not_tree,
             account_line, render_errors, error_lines
validation   `validate`'s problems              policytests  `test`'s failures
appeal       `appeal`'s alternatives            replay       `replay`'s table and counts
coverage     `coverage`'s clauses and untested  analysis     `analyze`'s gaps, overlaps, conflicts
diffreport   `diff`: terminal, JSON, .md, .xlsx letter       the 决定告知书 (.docx, .html, .md)
sheetreport  `evaluate --format xlsx|csv`       progress     the progress bar on stderr
"""

__all__ = ["analysis", "answer", "appeal", "coverage", "diffreport", "letter", "policytests", "progress", "replay",
           "sheetreport", "terminal", "validation"]
