"""The statistics of domain.md §5, in small parts; `app.stats.service` is the service to call."""
