"""Staff: the outbox page (the notifications issue builds it)."""
