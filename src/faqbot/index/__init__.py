"""The index: what a build writes and a server loads.

build.py runs a build (content -> embeddings -> a new index, swapped in atomically); store.py is
the build directory on disk (manifest, records, loading); vectors.py the FAISS index of keys;
lexical.py the BM25 index; tokens.py the documents' token embeddings for re-ranking.
"""
