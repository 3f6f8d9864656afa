"""faqbot: an offline FAQ question-answering bot for a site's own articles and FAQ files."""

__version__ = "0.1.0"
