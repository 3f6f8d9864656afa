"""Search: from a question to ranked documents.

retrieval.py scores every document by dense similarity and BM25 and fuses them; rerank.py re-scores
the best few token by token; spelling.py and page_reference.py prepare the question first.
"""
