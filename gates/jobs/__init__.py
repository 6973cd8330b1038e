"""Batch jobs: chunked, resumable, deterministic runs of a study (see :mod:`gates.jobs.runner`).

``spec`` reads job files, ``store`` keeps the job directory and its chunks,
``claims`` shares chunks between runners, ``executors`` runs them (this
process, local processes, Dask), ``runner`` drives it all, and ``adapters``
are the studies a job can name.
"""

from gates.jobs.executors import EXECUTORS
from gates.jobs.runner import job_status, merge_job, resume_job, run_job
from gates.jobs.spec import load_job
from gates.jobs.store import verify_chunk

__all__ = ["EXECUTORS", "load_job", "run_job", "resume_job", "job_status", "merge_job", "verify_chunk"]
