"""Analytics: the question log (what readers asked, and their feedback) and the report built on it."""
