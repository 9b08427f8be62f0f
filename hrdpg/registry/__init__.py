"""Model registry access: everything goes through modeling.register_model / promote_model /
rollback_model; this package only calls them and reads the tables."""
