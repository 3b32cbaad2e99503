"""Studies: what runs the model many times (replicates, comparisons, validation, calibration,
sensitivity analysis) and analyses the results."""
