"""Results as pandas DataFrames for notebooks and analysts (pandas is imported on use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from visitering.kvoter.beregning import Kvoteberegning
from visitering.kvoter.revision import Revision
from visitering.report import kvoter

if TYPE_CHECKING:
    import pandas as pd


def kommuner_frame(result: Kvoteberegning) -> pd.DataFrame:
    """One row per municipality with every intermediate; exact values as floats."""
    import pandas as pd

    frame = pd.DataFrame(kvoter.kommune_rows(result), columns=list(kvoter.KOMMUNE_COLUMNS))
    exact = list(kvoter.EXACT_COLUMNS)
    frame[exact] = frame[exact].astype(float)
    return frame


def regioner_frame(result: Kvoteberegning) -> pd.DataFrame:
    """One row per region."""
    import pandas as pd

    frame = pd.DataFrame(kvoter.region_rows(result), columns=list(kvoter.REGION_COLUMNS))
    frame["fordelingstal"] = frame["fordelingstal"].astype(float)
    return frame


def revision_frame(rev: Revision) -> pd.DataFrame:
    """Per municipality: the original quota and the quota after each step."""
    import pandas as pd

    first = rev.oprindelig
    frame = pd.DataFrame(
        {
            "kommunekode": [q.kommune.kode for q in first.kommuner],
            "kommune": [q.kommune.navn for q in first.kommuner],
            "region": [q.kommune.region.navn for q in first.kommuner],
            f"landstal_{first.landstal}": [q.kommunekvote for q in first.kommuner],
        }
    )
    for step in rev.trin:
        frame[f"landstal_{step.til_landstal}"] = frame["kommunekode"].map(step.kvoter_efter)
    return frame
