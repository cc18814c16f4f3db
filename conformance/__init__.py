"""Conformance suite for the Vorderingen API: certifies any source organisation endpoint."""
