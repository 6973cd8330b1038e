"""Room 3-4, learning: local rules, the training protocol, the one gate-training kernel set
(:mod:`gates.learning.gate`), two-layer nets and their exact verdicts, sampling deep targets,
Hopfield storage, and the differentiable nets (:mod:`gates.learning.nets`).

Imports the rooms below it (boolean, io, estimate, errors), never a study.
"""
