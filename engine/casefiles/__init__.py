"""Case files in (and rosters out): one dispatch by extension (`formats`), YAML/JSON and spreadsheets
read into one located tree (`spreadsheet` for .xlsx/.csv), each record checked on its own (`cases`), its
errors naming each field by its label from the policy's data (`labels`); rosters written back without loss (`sheetwrite`: the template and `convert`).

Entry point: `cases.load_cases(path, policy)` → CaseFile (cases, errors, the account of records read).
"""

__all__ = ["cases", "formats", "labels", "sheetwrite", "spreadsheet"]
