"""History of every change and a log of every read of personal data."""
