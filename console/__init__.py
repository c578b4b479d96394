"""The staff web console: server-rendered pages over the case services."""
