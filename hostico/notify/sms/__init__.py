"""SMS: GSM-7 text handling and the provider adapters."""
