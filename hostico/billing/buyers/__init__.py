"""Buyer data, the party an invoice is issued to.

- `validation`: check what a customer or staff member typed (CNP, CUI, EU VAT, address) into a snapshot;
- `completeness`: whether a snapshot holds everything an invoice needs (art. 319 alin. 20 Cod fiscal);
- `profiles`: which of a customer's billing profiles is usable and bills them.

The web half (asking a customer for billing data once per session) is hostico/client/billing_data.py.
"""
