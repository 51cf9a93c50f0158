# Only for `scrapyd-deploy` (scrapyd-client), which builds an egg with `python setup.py
# bdist_egg` and writes a setup.py of its own when there is none; everything else about the
# package is in pyproject.toml (including the `scrapy` entry point Scrapyd reads).
from setuptools import setup

setup()
