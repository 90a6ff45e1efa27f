"""The answers of the largest project the template renders, for the render benchmark."""

# Every toggle on, and for each other question the answer that renders the most (no single change
# of answer renders more: tests/test_benchmarks.py).
LARGEST = {
    "language": "python",
    "database": "postgresql",
    "cache": "redis",
    "api_style": "soap",
    "auth": "oauth2",
    "ci": "jenkins",
    "cloud": "azure",
    "kubernetes": True,
    "nginx": True,
    "grafana": True,
    "log_stack": "loki",
}
