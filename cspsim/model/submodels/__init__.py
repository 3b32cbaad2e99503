"""One module per submodel of ODD section 7, each holding its rules (pure functions), the
tables the array engine works out before the run, and its array step; the agent engine's
matching decisions (in :mod:`cspsim.model.agents`) call the same rules.

* :mod:`~cspsim.model.submodels.budgets` (7.1), :mod:`~cspsim.model.submodels.demand`
  (7.2), :mod:`~cspsim.model.submodels.commitments` (7.3),
  :mod:`~cspsim.model.submodels.delivery` (7.4), :mod:`~cspsim.model.submodels.adaptation`
  (7.5) and :mod:`~cspsim.model.submodels.survey` (7.6, answers to the 2009 survey's
  questions, read from the state after a run).
"""
