"""Researcher exports: files that QDA software, SPSS, Stata, R and spreadsheets open as they are.

A request names a kind (`stories`, `qdpx`, `qdc`, `sav`, `dta`, `dictionary`) and a format;
`registry.EXPORTS` maps each kind to its writers by format. Every export reads consent-filtered
tables of one project (`dataset.py`), written to a temporary Parquet work area by paging
through the database (`source.py`), so large exports stream from disk to disk.
"""
