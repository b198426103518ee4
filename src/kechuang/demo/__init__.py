"""Demo records for the three pillars, seeded through each package's own service functions."""
