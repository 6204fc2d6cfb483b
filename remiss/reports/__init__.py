"""The consolidated response report (remissammanställning) in HTML, PDF, DOCX, XLSX, CSV and JSON.

`data.py` gathers what the report says (in a fixed number of statements, plus streaming
iterators for the row formats); one renderer module per format turns it into bytes;
`operations.py` freezes the result; `views.py` and `cli.py` serve and write it.
"""
