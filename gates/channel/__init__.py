"""The learning channel (Baldi & Sadowski 2016: the learning channel): the algorithms with their costs, the exact theory, and the
measurements. The study and its files are :mod:`gates.studies.channel_study`; the check is
:mod:`gates.verify.channel`.
"""
