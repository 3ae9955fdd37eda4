"""Setuptools hook (the project is declared in pyproject.toml): an installed package carries the
methodology, so `rusmiddel report` builds outputs/methodology.html that every target page links to.
docs/methodology.md stays the one source; a build copies it into the package
(config/paths.METHODOLOGY reads the repository's file when there is one, else this copy)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path("docs") / "methodology.md"
SHIPPED = Path("rusmiddel_analysis") / "docs" / "methodology.md"


class BuildWithMethodology(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / SHIPPED
        self.mkpath(str(target.parent))
        self.copy_file(str(SOURCE), str(target))


setup(cmdclass={"build_py": BuildWithMethodology})
