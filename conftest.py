"""pytest at the root: the Spark engine's modules import pyspark, an optional extra
(``journeylog[spark]``); without it their doctests are not collected (the Spark tests skip with
the reason, see tests/engine/conftest.py). The hostile-batch scripts are run by hand (they write
their files into the folder they run in), never imported by the doctest collection."""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("pyspark") is not None else [
    "src/journeylog/engine/spark.py", "src/journeylog/engine/spark_batches.py", "src/journeylog/engine/_spark_*.py"]
collect_ignore_glob.append("tests/fuzz/hostile_batch/*.py")
