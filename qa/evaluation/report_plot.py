"""A small PNG of a retrieval report: grouped bars of recall@k and MRR per question type."""

from __future__ import annotations

from pathlib import Path

from qa.evaluation.metrics import RetrievalReport


def _series(report: RetrievalReport) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """Group names, and one (metric label, value per group) per bar colour.

    Unscorable values (a group of only unanswerable questions) plot as zero-height bars.
    """
    rows = list(report.rows)
    names = [f"{row.name}\n(n={row.n})" for row in rows]
    metrics = [(f"R@{k}", [row.recall[i] or 0.0 for row in rows]) for i, k in enumerate(report.ks)]
    metrics.append((f"MRR@{report.mrr_k}", [row.mrr or 0.0 for row in rows]))
    return names, metrics


def plot_report(report: RetrievalReport, path: str | Path) -> Path:
    """Draw ``report`` as grouped bars and save it as a PNG at ``path`` (parents created).

    >>> from qa.evaluation.metrics import EvalRecord, retrieval_report
    >>> rec = EvalRecord(id="q", type="t", sources=("a",), retrieved=("a",), latency_ms=5.0)
    >>> r = retrieval_report([rec])
    >>> plot_report(r, "/tmp/report.png").suffix  # doctest: +SKIP
    '.png'
    """
    # Imported here so that `import qa` stays cheap and works without a display.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names, metrics = _series(report)
    width = 0.8 / len(metrics)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(names) + 2), 3.6), dpi=100)
    try:
        for i, (label, values) in enumerate(metrics):
            xs = [g + (i - (len(metrics) - 1) / 2) * width for g in range(len(names))]
            ax.bar(xs, values, width, label=label)
        for g, row in enumerate(report.rows):
            if row.n == 0:  # say why the group has no bars rather than show bare zeros
                ax.text(g, 0.03, "no answerable\nquestions", ha="center", fontsize=7)
        ax.set_xticks(range(len(names)), names, fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("score")
        ax.legend(fontsize=8, ncols=len(metrics), loc="upper center", bbox_to_anchor=(0.5, -0.2))
        p50 = report.latency_p50_ms
        latency = "-" if p50 is None else f"{p50:.1f} ms"
        ax.set_title(f"Retrieval by article: n={report.n}, latency p50 {latency}", fontsize=10)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path
