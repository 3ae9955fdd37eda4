"""From notebooks to published pages: jobs, kernels, executors, conversion, privacy gate, the run."""
