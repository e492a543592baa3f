"""Metrics: pure functions over judgments (arrays or a DataFrame in, numbers out, no I/O).

Undefined values (too few samples, constant predictions, one class at a threshold) are
``None``, never NaN.
"""

from ._agreement import ccc, mae, pearson_r, quadratic_weighted_kappa, rmse, spearman_rho
from ._consistency import bootstrap_mean_ci, consistency_gaps, wilcoxon_p
from ._discrimination import auc_at, auc_by_threshold, sensitivity_specificity
from ._summary import SCHEMA_VERSION, records_frame, run_metrics, score_metrics

__all__ = [
    "SCHEMA_VERSION",
    "auc_at",
    "auc_by_threshold",
    "bootstrap_mean_ci",
    "ccc",
    "consistency_gaps",
    "mae",
    "pearson_r",
    "quadratic_weighted_kappa",
    "records_frame",
    "rmse",
    "run_metrics",
    "score_metrics",
    "sensitivity_specificity",
    "spearman_rho",
    "wilcoxon_p",
]
