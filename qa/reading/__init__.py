"""The trained span reader: model, windows, training, calibration of P(no answer),
and the Reader seam (TrainedReader, FakeReader).
"""
