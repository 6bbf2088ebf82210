"""Turning a question into a cited Answer: retrieve, read, refuse or phrase the span;
the prompts are data files in prompts/.
"""
