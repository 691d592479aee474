"""Rendering at the edge: the JSON answer and the terminal (`report`), spreadsheets of determinations
(`sheetreport`), the letter (`letter`), the diff memo (`diffreport`), the progress bar (`progress`).
The only package besides `cli` that imports rich.
"""

__all__ = ["diffreport", "letter", "progress", "report", "sheetreport"]
