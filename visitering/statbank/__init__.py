"""Danmarks Statistik's StatBank API: transport (:mod:`.http`) and the two tables the § 4 key
needs (:mod:`.tabeller`).  Imported only by ``visitering data fetch``, never on the quota path."""
