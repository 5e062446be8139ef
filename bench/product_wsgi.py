"""The product as gunicorn serves it in the benchmark: wsgi.py's app, with rate limits off.

Rate limits would answer 429 to a load test of the mail-login link from one address; everything else
is the production configuration (HOSTICO_* from the environment).
"""

from hostico.web.app import create_app

app = create_app({"RATELIMIT_ENABLED": False})
