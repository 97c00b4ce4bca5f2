"""The ground layer: config, ingestion, column typing, plan, samplers' seam, validation and
publishing. Imports nothing above it (no Prefect, no GAN, no Great Expectations)."""
