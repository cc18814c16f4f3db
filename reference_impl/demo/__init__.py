"""The demo federation: seed data of fictional organisations and test citizens."""
