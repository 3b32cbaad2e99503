"""Pure submodel functions (numpy only, no Mesa): the maths of each phase of a step."""
