"""Staff: approve or reject billing-profile edits waiting for approval (the invoices issue builds it)."""
