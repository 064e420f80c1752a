"""Spreadsheet import: a workshop's stories from a partner's own CSV, XLSX or ODS file.

`sources` reads files (encodings, delimiters, formulas), `vocabulary` and `columns` recognise
headers in every shipped language, `rows` checks each row by the intake API's rules, `service`
matches rows to stored data by natural keys and writes all of it in one transaction (`bulk`),
`template` writes the template, `api`, `pages` and `cli` are the three ways in.
"""
