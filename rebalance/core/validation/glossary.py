"""Every name the report and the gate's lines use, in plain words (the report shows them as a
glossary and on hover)."""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    # check groups
    "contract": "Rules every synthetic row must follow: the real columns, their types, allowed "
    "values and ranges, labels and row counts.",
    "fidelity": "How closely the synthetic rows of a class resemble real rows of that class. "
    "Judged against rows no sampler saw (the selection rows).",
    "privacy": "How close synthetic rows sit to real train rows. For an augmented release it is "
    "reported, not gating: the real train rows are published beside the synthetic ones anyway. "
    "For a synthetic_only release it gates: the rows are shared without the real ones.",
    "memorisation": "A generative model reproducing its own train rows instead of learning "
    "their distribution: overfitting. It gates every release.",
    "utility": "Whether a classifier trained with the synthetic rows predicts the minority "
    "class better than one trained on the real rows alone (synthetic_only: whether one "
    "trained on the synthetic rows alone does nearly as well, TSTR).",
    "release": "What is published. augmented: the synthetic rows beside the real train rows. "
    "synthetic_only: synthetic rows of every class and no real row, for sharing.",
    "augmented": "Release kind: the synthetic rows are published beside the real train rows "
    "and the real holdout; privacy is reported, not gating.",
    "synthetic_only": "Release kind: only synthetic rows of every class are published, for "
    "sharing (no real row, no holdout split); privacy gates and utility is TSTR.",
    # fidelity metrics
    "ks_complement": "1 minus the largest gap between the real and synthetic cumulative "
    "distributions, averaged over numeric columns. 1: identical distributions.",
    "tv_complement": "1 minus the share of rows that would have to change category for the "
    "synthetic category frequencies to match the real ones, averaged over categorical columns.",
    "correlation_similarity": "How well the synthetic rows keep the real correlations between "
    "pairs of numeric columns. 1: identical correlations.",
    "contingency_similarity": "How well the synthetic rows keep how often pairs of values occur "
    "together, over pairs of columns (numbers binned). 1: identical joint frequencies.",
    "detection_auc": "How well a classifier tells synthetic rows from real ones (ROC AUC, cross-"
    "validated). 0.5: it cannot tell them apart; 1: it always can.",
    # privacy and memorisation metrics
    "exact_copy_share": "Share of synthetic rows identical to a real train row.",
    "dcr_ratio": "Median distance from a synthetic row to its closest train row, divided by the "
    "same median for real rows the sampler never saw. 1: as novel as unseen real rows.",
    "closer_than_holdout_share": "Share of synthetic rows closer to a train row than 95% of "
    "unseen real rows are. About 0.05 when synthetic rows are as novel as unseen real rows.",
    # utility
    "minority_f1_gain_over_real_only": "Minority F1 with the synthetic rows minus minority F1 "
    "of the same classifier trained on the real rows only, on the selection rows.",
    "tstr_minority_f1_loss": "Train on synthetic, test on real (TSTR): minority F1 of the "
    "classifier trained on the real fit rows minus that of one trained on the synthetic rows "
    "alone, both on the real selection rows. 0: the synthetic rows teach as much as real ones.",
    "synthetic_rows_to_share": "A synthetic_only release publishes synthetic rows only; a "
    "candidate that adds none (none: the real rows) has nothing to share.",
    "minority_f1_gain_over_tuned_threshold": "The same gain, against the real-only classifier "
    "whose decision threshold was tuned out of fold.",
    "minority_f1_gain_probability": "How sure the gain is: the share of 1,000 bootstrap "
    "resamples of the selection rows on which minority F1 with the synthetic rows beats the "
    "real-only model's (a tie counts half).",
    "synthetic_rows": "Rows the method produced for the classes the plan asked for.",
    "f1": "Harmonic mean of minority precision and recall at the classifier's decision threshold.",
    "recall": "Share of real minority rows the classifier finds.",
    "precision": "Share of the classifier's minority predictions that are right.",
    "pr_auc": "Area under the precision-recall curve (average precision): ranking quality for "
    "the minority class, independent of the threshold.",
    "balanced_accuracy": "Mean recall over the classes.",
    # splits
    "selection": "Train rows held aside before any sampler is fitted. The gate and method: auto "
    "decide on them.",
    "holdout": "Real rows kept out of everything. They are scored once, after the decision, "
    "for the report: an unbiased estimate of what the published data does.",
    "scored rows": "Rows the classifier was scored on. A split larger than "
    "validation.max_split_rows is scored on a stratified sample of that many rows, and its "
    "classifier trains on a sample of the train rows alike (the train rows column).",
    "calibrated threshold": "A fidelity threshold scaled by the similarity two real samples of "
    "the same class and sizes reach, so a small class is judged as one.",
}


def explain(name: str) -> str:
    """The plain words for a check or metric name such as ``detection_auc[yes]``."""
    base = name.split("[", 1)[0].removeprefix("contract: ")
    if name.startswith("contract: "):
        return GLOSSARY["contract"]
    return GLOSSARY.get(base, "")
