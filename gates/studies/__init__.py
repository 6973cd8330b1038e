"""Room 5, studies: each study is written once here and used by the CLI, the table recipes
(:mod:`gates.tables`), the batch adapters (:mod:`gates.jobs.adapters`) and the tests.
"""
