"""visitering: refugee placement quotas (kommunekvoter) and visitering for Denmark.

The quota half implements Bekendtgørelse om boligplacering af flygtninge (BEK nr. 550 af
3. maj 2022) §§ 4-8; see ``docs`` in the repository README for the legal vocabulary.
"""

__version__ = "0.1.0"
