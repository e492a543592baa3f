"""Reports: what a run's metrics look like to people (table, Markdown) and scripts (JSON)."""

from ._html import html_report, write_html_report
from ._formats import csv_text, html_page, html_table, markdown
from ._load import load_run_metrics
from ._leaderboard import PRIMARY, check_same_task, leaderboard_cells, leaderboard_rows
from ._render import json_report, markdown_table, metric_warnings, rich_tables, summary_warnings
from ._rows import COLUMNS, metric_rows

__all__ = [
    "COLUMNS",
    "PRIMARY",
    "check_same_task",
    "csv_text",
    "html_page",
    "html_report",
    "write_html_report",
    "html_table",
    "json_report",
    "leaderboard_cells",
    "leaderboard_rows",
    "load_run_metrics",
    "markdown",
    "markdown_table",
    "metric_rows",
    "metric_warnings",
    "rich_tables",
    "summary_warnings",
]
