"""pytest in docs/: run the doctests of the pages (``--doctest-glob='*.md'``), nothing else.

The Sphinx configuration and its extension are not test modules (importing conf.py would import every
room of the package), and the built site (_build/, with copies of result files) is not a source.
"""

collect_ignore = ["conf.py", "_ext"]
collect_ignore_glob = ["_build/*", "api/generated/*"]
