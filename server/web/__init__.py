"""What every web handler shares: who is calling (caller.py), whether they may (endpoints.py),
the body they sent (validation.py), the request's audit row (audit.py), refusals answered as
JSON, and the OpenAPI document built from the same declarations (openapi.py)."""
