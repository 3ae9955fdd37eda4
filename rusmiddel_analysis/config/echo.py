"""Text read from a file, made safe to print on a terminal.

A column name, a file or sheet name, a key in mapping.yaml or a word in a strategy file can hold
control characters: an escape sequence (ESC [31m) recolours or rewrites the terminal, a carriage
return or a line break forges a line of the message, a bidirectional override reorders what the
reader sees. `printable` removes them; every message that echoes something read from a file goes
through it (and the command line passes each line it prints through it once more).
"""

from __future__ import annotations

import re

# C0 controls (tab, line break and ESC included), DEL, C1 controls, the line and paragraph separators,
# and the bidirectional marks, embeddings, overrides and isolates
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text) -> str:
    """`text` without control characters: safe to echo on one line of a terminal."""
    return CONTROL.sub("", str(text))


def printable_lines(text) -> str:
    """`printable` for each line of a message of several lines; its own line breaks are kept."""
    return "\n".join(printable(line) for line in str(text).split("\n"))
