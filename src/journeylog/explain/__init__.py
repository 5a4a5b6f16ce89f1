"""Deviations and cross-channel patterns in business language (every sentence lives in
:mod:`journeylog.explain.wording`)."""
