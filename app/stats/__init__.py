"""The statistics of docs/rules.md, 统计, in small parts; `app.stats.service` is the service
to call."""
