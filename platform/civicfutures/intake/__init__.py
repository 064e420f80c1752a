"""Story intake: projects, sites, codebook, workshops, storytellers, stories."""
