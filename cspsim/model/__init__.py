"""The model: the Mesa model (:mod:`~cspsim.model.model`) and its two engines, the Mesa agents
(:mod:`~cspsim.model.agents`) and the arrays; one module per ODD section 7 submodel
(:mod:`~cspsim.model.submodels`); its state, world and schedule. Reads only the inputs layer."""
