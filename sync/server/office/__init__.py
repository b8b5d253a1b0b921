"""The programme office's own product: people who sign in, read models of every synced
visit, the systems register, the monthly A&E figures, the smart list, themes and exports.

Plain functions over SQLAlchemy Core connections; the web pages (`sync.server.web`) and
the CLI (`sync.office_cli`) call them. Nothing here imports FastAPI.
"""
