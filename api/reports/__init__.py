"""Weekly 研判 report (issue 21): per station and for the bureau, a China-time week (Monday–Sunday).

`GET /api/reports/weekly?station_id=&week=` (JSON) and `GET /api/reports/weekly.xlsx` (the same tables),
leaders (any station, or the bureau without station_id) and station chiefs (their own station) only
(capability `report.weekly`); aggregates only. A finished week's report is issued once — by the scheduled
`holomap weekly-report` or the first request — and stored in weekly_report (migration 0015): later requests
answer the stored JSON unchanged. The current week is built on each request and marked `provisional`.
What each figure means: service.py.
"""
