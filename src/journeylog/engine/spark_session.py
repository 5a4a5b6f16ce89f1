"""The SparkSession journeylog runs on: the one of the environment, or a quiet local one.

The whole API is :func:`spark_session` and :func:`spark_available`; pyspark is an optional extra
(``pip install 'journeylog[spark]'``, and Java 17) and is imported only here and in the Spark
engine, never by ``import journeylog``.

* Under ``spark-submit`` or on Databricks the session of the environment is used as it is (its
  master, executors and configuration are the cluster's business); ``master`` is then ignored.
* Otherwise a local session is created once per process with ``master`` (default
  :data:`DEFAULT_MASTER`) and deterministic, quiet settings: the session time zone is UTC, few
  shuffle partitions (sized for a laptop), no console progress bars, no web UI, Spark's log4j
  messages at ERROR only, and the JVM's own stderr (start-up warnings, stack dumps) written to a
  log file in the temporary directory instead of the user's terminal
  (:func:`jvm_log_path`).

pyspark missing or no Java is a :class:`~journeylog.errors.UsageError` (exit 2): the engine asked
for cannot run on this installation, which the user fixes by installing it or choosing
``--engine polars``; nothing is wrong with the input (exit 3 is for bad input).

>>> spark_available() in (True, False)
True
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeylog.errors import UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["DEFAULT_MASTER", "INSTALL_HINT", "jvm_log_path", "spark_available", "spark_session"]

#: the master of a session journeylog creates itself (two local cores)
DEFAULT_MASTER = "local[2]"
#: what to do when pyspark or Java is missing
INSTALL_HINT = "pip install 'journeylog[spark]' and Java 17 (Debian: apt-get install openjdk-17-jre-headless), " \
               "or use --engine polars"

# settings of a session journeylog creates (a session of the environment keeps its own)
_LOCAL_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    "spark.default.parallelism": "4",
    "spark.ui.showConsoleProgress": "false",
    "spark.ui.enabled": "false",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.memory": "2g",
    "spark.app.name": "journeylog",
}
_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""

_lock = threading.Lock()
_log_path: Path | None = None


def spark_available() -> bool:
    """Whether pyspark can be imported and a ``java`` is there (``JAVA_HOME`` or the ``PATH``);
    imports nothing."""
    import importlib.util

    return importlib.util.find_spec("pyspark") is not None and _java() is not None


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return str(Path(home, "bin", "java"))
    return shutil.which("java")


def jvm_log_path() -> Path | None:
    """The file the JVM of a session journeylog created writes its stderr to (None before one is
    created, or when the session came from the environment)."""
    return _log_path


def _require() -> None:
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        raise UsageError("--engine spark needs pyspark, which is not installed", hint=INSTALL_HINT)
    if _java() is None:
        raise UsageError("--engine spark needs Java 17, and no java was found (JAVA_HOME or PATH)", hint=INSTALL_HINT)


def spark_session(master: str | None = None) -> SparkSession:
    """The SparkSession to run on.

    The active session when there is one (a notebook, Databricks, an earlier call), or the one
    ``spark-submit`` configured (it starts Python with a running JVM); else a local session with
    ``master`` (default :data:`DEFAULT_MASTER`, e.g. ``local[4]``), created once per process with
    the quiet, deterministic settings of the module docstring. Raises
    :class:`~journeylog.errors.UsageError` when pyspark or Java is missing.
    """
    _require()
    # pyspark's own note about pandas versions is not the user's business
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
    from pyspark.sql import SparkSession

    with _lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        if "PYSPARK_GATEWAY_PORT" in os.environ:  # spark-submit: its master and conf
            return SparkSession.builder.getOrCreate()
        return _local(master or DEFAULT_MASTER)


def _local(master: str) -> SparkSession:
    """A local session whose JVM writes its stderr to a log file, not the terminal."""
    global _log_path
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway
    from pyspark.sql import SparkSession

    # the executors' Python workers (journeylog's batch functions run there) are this Python
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    folder = Path(tempfile.gettempdir()) / f"journeylog-spark-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(parents=True, exist_ok=True)
    log4j = folder / "log4j2.properties"
    log4j.write_text(_LOG4J2, encoding="utf-8")
    java_opts = f"-Dlog4j2.configurationFile=file:{log4j} -Dlog4j.configurationFile=file:{log4j}"
    conf = SparkConf().setMaster(master)
    for key, value in _LOCAL_CONF.items():
        conf.set(key, value)
    conf.set("spark.driver.extraJavaOptions", java_opts)
    conf.set("spark.executor.extraJavaOptions", java_opts)
    conf.set("spark.sql.warehouse.dir", str(folder / "warehouse"))
    _log_path = folder / f"jvm-{os.getpid()}.log"
    log: Any = open(_log_path, "ab")  # noqa: SIM115  (the JVM child keeps it for its lifetime)
    try:
        gateway = launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})
    except Exception as exc:  # the JVM did not start: say why, in one line
        raise UsageError(f"--engine spark: the Java gateway did not start ({type(exc).__name__}); see {_log_path}",
                         hint=INSTALL_HINT) from exc
    finally:
        log.close()
    sc = SparkContext(conf=conf, gateway=gateway)
    sc.setLogLevel("ERROR")
    return SparkSession(sc)
