"""Follow-up of clients: contacts, interventions, programmes and the caseload."""
