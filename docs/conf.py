"""Sphinx configuration of madoguchi's documentation: MyST Markdown, built with -W -n by the
tests (tests/docs/test_build.py), so a broken link or reference fails them."""

project = "madoguchi"
author = "madoguchi contributors"
copyright = "madoguchi contributors, MIT licence"
language = "en"

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Headings of levels 1-3 get anchors, so that [text](page.md#a-heading) links are checked.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]
nitpicky = True

html_theme = "furo"
html_title = "madoguchi 窓口"
html_static_path = ["_static"]
html_show_sourcelink = False
html_copy_source = False
# Nothing from the internet: the theme ships its own fonts and scripts.
html_permalinks_icon = "#"
