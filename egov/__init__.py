"""The composition root and the ``egov`` command line: the only package that may import every
service (to run them embedded, in one process)."""
