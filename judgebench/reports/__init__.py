"""Reports: what a run's metrics look like to people (table, Markdown) and scripts (JSON)."""

from ._render import json_report, markdown_table, rich_tables
from ._rows import COLUMNS, metric_rows

__all__ = ["COLUMNS", "json_report", "markdown_table", "metric_rows", "rich_tables"]
