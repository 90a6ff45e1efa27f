"""The HTTP routes of the service."""
