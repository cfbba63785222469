"""The console: server-rendered pages (Jinja2 + locally vendored ECharts) on the API's app.

`routes.router` serves /console; `queries` is the read model the pages draw from; `i18n` holds
every label in Chinese and English; `access` decides which role sees what.
"""
