"""Everything that comes from outside: shipped and uploaded datasets, pictures, model files."""
