"""The REST API: `app` builds it from the routers, `auth` says who calls, `problems`
words the errors."""
