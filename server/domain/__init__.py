"""The queue domain: plain Python, no web, database, gevent or printer imports."""
