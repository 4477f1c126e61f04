"""Quota algorithms: the distribution key (§ 4), apportionment, § 7 municipal quotas, revisions.

Pure functions on validated inputs; nothing here reads files or imports OR-Tools.
"""
