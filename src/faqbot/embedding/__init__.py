"""Embedding: texts to unit vectors (and token vectors), cached by content.

embedder.py is the model (sentence-transformers, torch) used at build time; onnx_export.py and
onnx_encoder.py are the same model exported to ONNX for encoding questions; query_encoder.py picks
which of them a build serves with; cache.py keeps vectors by the hash of their text.
"""
