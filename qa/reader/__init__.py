"""The trained span reader: an encoder that reads a question and passages and returns the
answer span, verbatim, with a calibrated probability that the passages hold no answer.

Heavy imports (torch, transformers) happen inside the functions that need them, so
``import qa.reader`` stays cheap.
"""
