"""Lead scoring (issue 15): the chance that a lead reaches a deal, learnt from the company's
own closed leads, from what is known when a lead arrives only.

- ``features``: the arrival-time features of a lead, as tokens (``channel=web``); the one
  definition used by training, intake scoring and rescoring.
- ``leads.models.scoring``: the trained model, stored as data (weights per token,
  calibration, metrics), and the flags to marketers.
- ``scoring``: the arithmetic that turns a lead's tokens into a score and its factors.
- ``training``: the training run (scikit-learn), rescoring of open leads, flags to marketers.
- ``report``: expected deals per channel / campaign / form (``reports/scoring``).
"""
