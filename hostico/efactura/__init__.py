"""RO e-Factura: UBL CIUS-RO documents, their validation and scope, ANAF's registry and SPV (Flask-free)."""
