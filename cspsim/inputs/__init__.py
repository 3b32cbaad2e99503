"""Inputs: configuration files (``configs/``) read into validated objects; nothing runs here.

Within the layer the order is: :mod:`~cspsim.inputs.errors`, :mod:`~cspsim.inputs.catalogue`
(the shipped scenarios by name), :mod:`~cspsim.inputs.registry`,
:mod:`~cspsim.inputs.duties`, :mod:`~cspsim.inputs.levers`, :mod:`~cspsim.inputs.scenario`,
then :mod:`~cspsim.inputs.geography`, :mod:`~cspsim.inputs.questions` and
:mod:`~cspsim.inputs.targets`.
"""
