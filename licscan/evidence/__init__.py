"""Evidence: what a snapshot's card, license files and README show, with provenance."""
