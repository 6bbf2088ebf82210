"""Measuring quality: hoidap eval over question sets and SQuAD files, retrieval and
answer metrics, the reader alone on gold passages, plots.
"""
