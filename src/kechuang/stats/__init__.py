"""The city's indicators (a catalogue of definitions as data, computed in DuckDB), biomedicine
records (innovative drugs and devices, hospital admissions) and the annual report."""
