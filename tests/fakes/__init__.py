"""Local fakes of every outside service the product talks to, each a real server on 127.0.0.1.

- `bnr`: BNR's reference-rate feed (nbrfxrates.xml);
- `vies`: the EU's VIES REST API;
- `anaf_spv`: ANAF's OAuth2 and SPV (RO e-Factura) API; `anaf_registry`: ANAF's public company registry;
- `smtp`: a real SMTP server (aiosmtpd);
- `gateways`: the card gateways' APIs (NETOPIA v2, Stripe);
- `sms`: an SMS provider's HTTP API (Twilio- and SMSO-shaped);
- `local_http`: what the HTTP fakes share (a quiet JSON handler, a server in a thread).

The suite never reaches the real services: tests/conftest.py fails a test that connects anywhere but
this machine.
"""
