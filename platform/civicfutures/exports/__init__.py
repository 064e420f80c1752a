"""Researcher exports: files that QDA software, SPSS, Stata, R and spreadsheets open as they are.

A request names a kind (`stories`, `qdpx`, `qdc`, `sav`, `dta`, `dictionary`) and a format;
`registry.EXPORTS` maps each kind to its writers by format. Every export reads the project's
consent-filtered analysis snapshot (Parquet, scanned lazily) plus what a snapshot leaves out
(translation texts; storyteller codes only when the role may see them), see `source.py`, and
the stories table is one lazy plan streamed into the file (`stories.py`, `tabular.py`).
"""
