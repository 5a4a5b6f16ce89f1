"""Configuration files: every YAML file journeylog reads goes through :mod:`journeylog.config.yamldoc`,
which gives located errors (``FILE:LINE:COL: unknown key 'timezon' (hint: did you mean 'timezone'?)``),
one ``version:`` rule, size limits, and frozen dataclasses out.
"""

from journeylog.config.yamldoc import YamlDoc, parse_duration

__all__ = ["YamlDoc", "parse_duration"]
