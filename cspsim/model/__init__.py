"""The model: the Mesa model (:mod:`~cspsim.model.model`), its state, world, schedule and the
pure submodel functions (:mod:`~cspsim.model.rules`). Reads only the inputs layer."""
