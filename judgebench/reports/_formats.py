"""Plain-text table formats shared by report and leaderboard: Markdown, CSV, HTML."""

from __future__ import annotations

import csv
import html
import io


def one_line(text: str) -> str:
    """A line of Markdown prose that stays one line and cannot start a table row."""
    return _md(text)


def _md(cell: str) -> str:
    # a bare pipe would split the cell, a newline would start a new row
    text = " ".join(str(cell).split()) if any(c in str(cell) for c in "\r\n\t\v\f") else str(cell)
    text = "".join(c if c.isprintable() else " " for c in text)
    return text.replace("|", "\\|")


def _csv(cell: str) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (a formula) gets a leading
    apostrophe (OWASP CSV injection); numbers such as -0.5 stay numbers."""
    text = str(cell)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def markdown(header: list[str], rows: list[list[str]], *, right_from: int = 2) -> str:
    out = ["| " + " | ".join(map(_md, header)) + " |",
           "|" + "|".join("---" if i < right_from else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(map(_md, row)) + " |" for row in rows]
    return "\n".join(out) + "\n"


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([_csv(h) for h in header])
    writer.writerows([[_csv(c) for c in row] for row in rows])
    return buf.getvalue()


def html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


PAGE_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#1d1d1f;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}th{background:#f4f4f6}
td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
.note{color:#555;font-size:.85rem;max-width:60rem}figure{margin:0;display:inline-block;vertical-align:top}
figure img{max-width:100%}
"""


def html_page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{PAGE_CSS}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n")
