"""Metrics: pure functions over judgments (arrays or a DataFrame in, numbers out, no I/O).

Undefined values (too few samples, constant predictions, one class at a threshold) are
``None``, never NaN; the metrics blocks of ``run_metrics`` / ``score_metrics`` say why in their
``undefined`` object (``{dotted key: reason}``).

From a notebook::

    from judgebench.metrics import records_frame, metrics_table
    from judgebench.scales import PHQ9
    df = records_frame(records)            # samples.jsonl lines, or a DataFrame of them
    metrics_table(df, scale=PHQ9, by=("model", "language"))

``run_metrics`` returns a typed ``RunMetrics`` (``.models[name].overall.mae``...); its
``to_json()`` is the metrics.json document and ``RunMetrics.from_json`` reads one back.
"""

from ._answers import answer_diversity, answer_warnings
from ._agreement import (
    bland_altman, ccc, mae, pearson_r, quadratic_weighted_kappa, rmse, sd_ratio, spearman_rho,
)
from ._bands import band_confusion, band_index, mean_signed_error_by_band
from ._bootstrap import bootstrap_mean_ci, bootstrap_score_ci, percentile_ci, resample_counts
from ._compare import bootstrap_p, compare_judges, compare_pair, judge_table, mcnemar_p, rank_intervals, sign_flip_p
from ._equivalence import default_margin, tost_paired
from ._consistency import consistency_gaps, holm_adjust, wilcoxon_p
from ._coverage import coverage_by_band, status_rates
from ._discrimination import auc_at, auc_by_threshold, sensitivity_specificity
from ._format_effect import format_effect
from ._frame import STATUSES, check_judgments, prepare_frame, records_frame
from ._group import none_paths, score_metrics
from ._items import item_mae, item_summary, items_matrix
from ._panels import check_panels, panel_agreement, panel_frame
from ._item_shift import item_shift, per_pair_items
from ._raters import raters_block
from ._pairwise import pairwise_run_metrics
from ._plausible import in_range_rate, visible_total_mae
from ._probabilistic import (
    brier_score, calibration_bins, expected_calibration_error, probabilistic_blocks, probabilistic_units,
)
from ._result import (
    ArmMetrics, CalibrationBlock, Comparison, ConsistencyBlock, Equivalence, ExpectedBlock, FormatEffect, ItemShift,
    ModelMetrics, Panel, PanelAgreement, Provenance, RaterAgreement, Raters, RunMetrics, ScoreBlock, Usage,
    metrics_json_schema,
)
from ._reliability import icc_2_1, krippendorff_alpha_interval, mean_within_sample_sd, reliability_block
from ._summary import SCHEMA_VERSION, consistency_block, group_metrics, metrics_table, per_pair, run_metrics

__all__ = [
    "SCHEMA_VERSION",
    "ArmMetrics",
    "CalibrationBlock",
    "Comparison",
    "Equivalence",
    "FormatEffect",
    "ItemShift",
    "Panel",
    "PanelAgreement",
    "RaterAgreement",
    "Raters",
    "ExpectedBlock",
    "ConsistencyBlock",
    "ModelMetrics",
    "Provenance",
    "RunMetrics",
    "ScoreBlock",
    "Usage",
    "metrics_json_schema",
    "STATUSES",
    "answer_diversity",
    "answer_warnings",
    "auc_at",
    "auc_by_threshold",
    "band_confusion",
    "band_index",
    "bland_altman",
    "bootstrap_mean_ci",
    "bootstrap_p",
    "bootstrap_score_ci",
    "brier_score",
    "calibration_bins",
    "ccc",
    "check_judgments",
    "check_panels",
    "compare_judges",
    "compare_pair",
    "consistency_block",
    "consistency_gaps",
    "expected_calibration_error",
    "coverage_by_band",
    "default_margin",
    "format_effect",
    "group_metrics",
    "holm_adjust",
    "icc_2_1",
    "in_range_rate",
    "item_mae",
    "item_summary",
    "item_shift",
    "items_matrix",
    "judge_table",
    "krippendorff_alpha_interval",
    "mae",
    "mcnemar_p",
    "mean_signed_error_by_band",
    "mean_within_sample_sd",
    "metrics_table",
    "none_paths",
    "pairwise_run_metrics",
    "panel_agreement",
    "panel_frame",
    "pearson_r",
    "per_pair",
    "per_pair_items",
    "percentile_ci",
    "probabilistic_blocks",
    "probabilistic_units",
    "prepare_frame",
    "quadratic_weighted_kappa",
    "rank_intervals",
    "raters_block",
    "records_frame",
    "reliability_block",
    "resample_counts",
    "rmse",
    "run_metrics",
    "score_metrics",
    "sd_ratio",
    "sensitivity_specificity",
    "sign_flip_p",
    "spearman_rho",
    "status_rates",
    "tost_paired",
    "visible_total_mae",
    "wilcoxon_p",
]
