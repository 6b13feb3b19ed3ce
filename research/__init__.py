"""Research projects and anonymised, longitudinal exports."""
