"""The programme office service: FastAPI over SQLAlchemy Core, migrated by Alembic.

    app.create_app(engine)  routes and HTTP errors
    store                   every query (Core, batch-at-a-time), one transaction per call
    tables                  the schema as SQLAlchemy Core tables
    db                      engine set-up (SQLite pragmas, BEGIN IMMEDIATE) and migrations
    auth                    tokens: made, hashed, looked up
"""
