"""RO e-Factura (DESIGN 7): UBL CIUS-RO documents, validation, the ANAF client and the SPV jobs (Flask-free)."""
