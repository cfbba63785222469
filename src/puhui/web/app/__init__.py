"""The borrower's mobile web app at /app (see `routes`)."""
