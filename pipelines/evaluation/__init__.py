"""Scoring extraction against gold pages (``pages``) and officials against the officials gold
(``officials``): what ``portal-news evaluate`` prints."""
