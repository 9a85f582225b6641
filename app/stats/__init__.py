"""The statistics of domain.md §5, in small parts; `app.statistics` is the service to call."""
