"""kechuang.transfer: achievement transformation for tech-transfer offices and enterprises.

The separate register of service inventions (单列管理), granting rights to inventors (赋权),
licences, transfers and equity deals, income distribution to inventors through the ledger,
technology demands (出题) with matching, challenges (揭榜挂帅) and the pilot indicators.
"""
