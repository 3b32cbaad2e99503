"""Analysis: outcome tables, the synthetic survey, statistics, plots and reports of runs.

Reads the model's results; never runs a model itself (that is :mod:`cspsim.studies`)."""
