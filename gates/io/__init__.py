"""Input and output below every room: atomic files, tables and manifests (:mod:`gates.io.storage`),
image data (:mod:`gates.io.datasets`) and figures without pyplot (:mod:`gates.io.plots`).
"""
