"""The accounts domain, Flask-free: passwords, second factors, server-side sessions, step-up, mail links."""
