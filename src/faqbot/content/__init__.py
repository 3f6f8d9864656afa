"""Content: the site's articles and FAQ files, read, checked, and cut into retrievable documents.

articles.py and faq.py read the files, corpus.py checks them as a whole, passages.py cuts articles
into windows of sentences, and documents.py turns FAQ entries and passages into the documents
(with their embedded keys) that every later stage works on.
"""
