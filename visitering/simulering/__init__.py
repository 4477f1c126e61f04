"""Uncertainty sweeps: many simulated years of quotas and placements (issue 4).

* :mod:`.spec` — the plain, validated :class:`SimulationSpec` (independent of file formats);
* :mod:`.parse` — the ``[simulering]`` section of a scenario file;
* :mod:`.draws` — the random part of a run, seeded by (base seed, run index);
* :mod:`.placement`, :mod:`.run` — one run, a pure function of (spec, run, seed);
* :mod:`.executor` — many runs in this process, on local processes or a Dask cluster;
* :mod:`.summary` — quantiles and the share of runs more than 10 % off, per municipality.
"""
