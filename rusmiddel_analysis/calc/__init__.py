"""Calculations on processed data: statistics, indicators, disclosure control, verdicts, assessments."""
