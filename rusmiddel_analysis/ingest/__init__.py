"""Raw exports in, validated canonical data out: formats, reading, mapping, validation, CPR guard, demo data."""
