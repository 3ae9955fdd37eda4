"""Settings and facts everything else reads: the strategy file, paths, files."""
