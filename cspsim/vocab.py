"""The model's shared vocabulary: the names of authority types, partners, agencies and chairs.

Pure name tuples with no behaviour, used by every layer (scenario schema, model, outputs,
dashboard). Their order is meaningful: arrays are indexed in it.
"""

from __future__ import annotations

AUTHORITY_TYPES = ("district_borough", "unitary", "metropolitan", "london_borough")
PARTNER_TYPES = (
    "police",
    "probation",
    "health",
    "fire_rescue",
    "youth_offending",
    "county_council",
    "probation_nps",
)
# A partner type that exists only while a reorganisation gives it links, and then takes a
# share of another type's work and staff: the National Probation Service, split from
# probation by Transforming Rehabilitation (1 Jun 2014 - 25 Jun 2021, FACTS.md §1). It is
# appended last so that the arrays of the other types keep their indices (and their draws).
SPLIT_FROM = {"probation_nps": "probation"}
# Partner types as people say them in a sentence (outputs, reports, the dashboard).
PARTNER_NAMES = {
    "police": "police",
    "probation": "probation",
    "health": "health",
    "fire_rescue": "fire and rescue",
    "youth_offending": "youth offending",
    "county_council": "county council",
    "probation_nps": "National Probation Service",
}
# Agencies with a budget of their own (funding indices and cuts), council first.
FUNDED_AGENCIES = ("council", *PARTNER_TYPES)
# Agencies that contribute to a duty (rows of a duty table's weights), council first.
CONTRIBUTORS = ("council", *PARTNER_TYPES)
# Who chairs a CSP (index into this in the model's state).
CHAIRS = ("council_officer", "police", "elected_member")

# Named units the model writes as numbers. Money is held per year and recorded per quarter
# (a quarter is one step): x / QUARTERS_PER_YEAR is the quarter's share (an int, so the
# division is exactly x / 4). Rates "per 100k" are per PER_100K residents.
QUARTERS_PER_YEAR = 4
PER_100K = 1e5
