"""The living codebook: editing themes, merging and splitting them, and exchanging the codebook with other tools."""
