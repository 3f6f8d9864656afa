"""Answering: the best document turned into an answer with sources, or an honest decline.

answerer.py composes answers (confidence, trimming, suggestions, the answer cache); engine.py loads
an index and its query encoder into an answerer, or says why it cannot.
"""
