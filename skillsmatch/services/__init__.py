"""Services: the glue between reference data, the ML estimators and the app."""
