"""The paper's single-unit experiments (``gates single-unit``).

One module per experiment:

* :mod:`~gates.studies.single_unit.hebb_datasets`: the paper's four families
  of training sets for one threshold gate (Baldi & Sadowski 2016: shallow learning);
* :mod:`~gates.studies.single_unit.supervised_hebb`: clamped simple Hebb on
  the gate against the canonical-form cosine condition, and the study;
* :mod:`~gates.studies.single_unit.images`: a linear unit on images, simple
  Hebb and a Riccati rule without O, the control (Baldi & Sadowski 2016: local learning rules);
* :mod:`~gates.studies.single_unit.riccati_tanh`: a tanh unit whose rule
  reads O against its Riccati prediction (paper, non-linear units);
* :mod:`~gates.studies.single_unit.image_study`: both on one data source,
  and their files.

Their theorem checks are in :mod:`gates.verify.single_unit`. The public names
are re-exported here, so ``from gates.studies import single_unit`` reaches
every study.
"""

from gates.studies.single_unit.hebb_datasets import (HEBB_BIAS, HEBB_KINDS, HEBB_LABELS, hebb_dataset,
                                                     orthogonal_bias_prediction)
from gates.studies.single_unit.image_study import image_study, write_image_study
from gates.studies.single_unit.images import hebb_images, riccati_images
from gates.studies.single_unit.riccati_tanh import TANH_MUTANTS, TANH_RULE, riccati_tanh_images
from gates.studies.single_unit.supervised_hebb import (HEBB_MUTANTS, hebb_condition, supervised_hebb,
                                                       supervised_hebb_study, write_supervised_hebb)

__all__ = [
    "HEBB_KINDS",
    "HEBB_BIAS",
    "HEBB_LABELS",
    "HEBB_MUTANTS",
    "hebb_dataset",
    "orthogonal_bias_prediction",
    "hebb_condition",
    "supervised_hebb",
    "supervised_hebb_study",
    "write_supervised_hebb",
    "hebb_images",
    "riccati_images",
    "TANH_RULE",
    "TANH_MUTANTS",
    "riccati_tanh_images",
    "image_study",
    "write_image_study",
]

