"""`faqbot import`: a site's existing pages as faqbot data files (issue #17).

A content-stage package: it writes what `faqbot.content` reads, and imports nothing above it.
The data flow, one module each:

    crawl (sources: sitemap.py, fetch.py; or files)  ->  extract.py (HTML) / text_page.py (text)
      -> faq_markup.py + sections.py (the page's FAQ pairs and article sections, page.py's shapes)
      -> files.py (articles/<slug>.md, faq/<slug>.yaml, written atomically) + manifest.py
    run.py puts them together and reports every page: added, changed, unchanged, gone, or why not.
"""
