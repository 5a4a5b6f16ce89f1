"""The CX analyses over the journeys: why customers contact (:mod:`~journeylog.cx.contacts`), the
funnel along the designed journey, segments and their comparison, root causes of a deviation, the
experience metrics and the emotion curve. Each module is one analysis: options in, a result with
``to_json()`` out; nothing here prints."""
