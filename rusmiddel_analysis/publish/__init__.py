"""From notebooks to published pages: jobs, kernels, executors, conversion, privacy gate, the run."""

import sys

# jsonschema (imported by nbformat) builds an RFC 3987 grammar when the optional package
# rfc3987-syntax is installed (JupyterLab's jupyter-events brings it): about 2 seconds of every
# run, for a URI format check that notebooks never use. This process does without it.
sys.modules.setdefault("rfc3987_syntax", None)
