"""Closed periods (封账): snapshots, the correction check, and their service."""
