"""Test helpers shared by several apps' tests (not imported by the application)."""
