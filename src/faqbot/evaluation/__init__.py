"""Evaluation: how good the answers are, on labelled question sets (`faqbot eval`).

metrics.py reads a set and computes hit@k, MRR, nDCG, answering and declining rates and the
threshold sweep; runs.py builds the indexes the sets need and runs them; stackfaq.py converts the
public StackFAQ benchmark into an ordinary FAQ file.
"""
