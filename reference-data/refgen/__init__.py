"""Reference-data generator for simrun (calls vectorbt; contains none of its source)."""
