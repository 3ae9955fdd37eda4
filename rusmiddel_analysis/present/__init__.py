"""What a reader sees: status vocabulary, numbers and words, narrative, plots, report views, templates."""
