"""The built-in indicator types, one module each (config/indicator_types.py holds the interface
and the registry, and names these modules in `BUILTIN`).

This package is a layer of its own above present: a type uses every layer's tools (the
strategy's checks, the canonical formats, the calculations, the page's sections), and no layer
below imports it; they ask the registry for a target's type.
"""
