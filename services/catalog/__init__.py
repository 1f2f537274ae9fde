"""The e-service catalogue: versioned, bilingual service definitions and their forms."""
